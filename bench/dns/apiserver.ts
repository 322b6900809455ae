/**
 * The benchmark's API server in a process of its own (SQLite store), so that
 * its synchronous commits never delay the benchmark's timers. Prints one JSON
 * line {url, kubeconfig} when it serves; exits on SIGTERM.
 * Usage: node --import tsx bench/dns/apiserver.ts DIR
 */
import { join } from 'node:path';
import { openStore } from '../../src/storage/index.ts';
import { ApiServer, ensurePki, writeKubeconfig } from '../../src/apiserver/index.ts';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: apiserver.ts DIR\n');
  process.exit(2);
}
const store = await openStore({ kind: 'sqlite', path: join(dir, 'state.db') });
const pki = ensurePki(dir, []);
const server = new ApiServer({ store, pki, port: 0 });
const url = await server.start();
const kubeconfig = writeKubeconfig(join(dir, 'kubeconfig'), url, pki);
process.stdout.write(JSON.stringify({ url, kubeconfig }) + '\n');
process.on('SIGTERM', () => {
  void server
    .stop()
    .then(() => store.close())
    .finally(() => process.exit(0));
});
