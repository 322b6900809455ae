/**
 * `switchboard` command line. Each command is a thin shell over a component's
 * public face; flags mirror the Kubernetes component flags where one exists.
 */
import { Command, InvalidArgumentError } from 'commander';
import { runApiServer } from './apiserver.ts';
import { addNetworkFlags, networkConfigFromFlags, type NetworkFlags } from './network-flags.ts';

function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number (0-65535)');
  return n;
}

function network(f: NetworkFlags): ReturnType<typeof networkConfigFromFlags> {
  try {
    return networkConfigFromFlags(f);
  } catch (e) {
    return program.error(`error: ${e instanceof Error ? e.message : String(e)}`);
  }
}

const program = new Command();
program.name('switchboard').description('The Kubernetes Service layer, real and runnable on one machine in seconds.');

addNetworkFlags(program
  .command('up'))
  .description('start the embedded single-machine cluster (API server on SQLite)')
  .option('--data-dir <dir>', 'state, certificates and kubeconfig', '.switchboard')
  .option('--api-port <port>', 'API server port', port, 6443)
  .option('--api-host <addr>', 'address the API server listens on', '127.0.0.1')
  .action(async (o: { dataDir: string; apiPort: number; apiHost: string } & NetworkFlags) => {
    await runApiServer({ dataDir: o.dataDir, port: o.apiPort, host: o.apiHost, storage: 'sqlite', banner: 'up', network: network(o) });
  });

addNetworkFlags(program
  .command('apiserver'))
  .description('run the API server alone')
  .option('--data-dir <dir>', 'state, certificates and kubeconfig', '.switchboard')
  .option('--api-port <port>', 'API server port', port, 6443)
  .option('--api-host <addr>', 'address the API server listens on', '127.0.0.1')
  .option('--storage <kind>', 'memory | sqlite', 'sqlite')
  .action(async (o: { dataDir: string; apiPort: number; apiHost: string; storage: string } & NetworkFlags) => {
    if (o.storage !== 'memory' && o.storage !== 'sqlite') {
      program.error(`error: --storage must be "memory" or "sqlite", not "${o.storage}"`);
    }
    await runApiServer({ dataDir: o.dataDir, port: o.apiPort, host: o.apiHost, storage: o.storage as 'memory' | 'sqlite', banner: 'apiserver', network: network(o) });
  });

await program.parseAsync(process.argv);
