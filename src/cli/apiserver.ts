/**
 * Starts the API server from the command line: data dir, PKI, storage,
 * kubeconfig, signals. Prints one "ready" line when serving.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { openStore, StorageError, type Store } from '../storage/index.ts';
import { ApiServer, ensurePki, writeKubeconfig } from '../apiserver/index.ts';
import type { ClusterNetworkConfig } from '../apiserver/admission/index.ts';

export interface RunOptions {
  dataDir: string;
  port: number;
  host: string;
  storage: 'memory' | 'sqlite';
  banner: 'up' | 'apiserver';
  network: ClusterNetworkConfig;
}

function fail(msg: string): never {
  process.stderr.write(`switchboard: ${msg}\n`);
  process.exit(1);
}

export interface RunningApiServer {
  url: string;
  kubeconfig: string;
  dataDir: string;
  stop(): Promise<void>;
}

export async function runApiServer(o: RunOptions): Promise<RunningApiServer> {
  const dataDir = resolve(o.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  let store: Store;
  try {
    store = o.storage === 'memory' ? await openStore({ kind: 'memory' }) : await openStore({ kind: 'sqlite', path: join(dataDir, 'state.db') });
  } catch (e) {
    if (e instanceof StorageError) fail(`cannot open ${join(dataDir, 'state.db')}: ${e.message}`);
    throw e;
  }
  const pki = ensurePki(dataDir, [o.host]);
  const server = new ApiServer({ store, pki, host: o.host, port: o.port, network: o.network, log: (l) => process.stderr.write(`${l}\n`) });
  let url: string;
  try {
    url = await server.start();
  } catch (e) {
    await store.close();
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EADDRINUSE') fail(`port ${o.port} on ${o.host} is already in use (another switchboard? use --api-port)`);
    if (err.code === 'EACCES') fail(`no permission to listen on ${o.host}:${o.port}`);
    throw e;
  }
  const kubeconfig = writeKubeconfig(join(dataDir, 'kubeconfig'), url, pki);
  const stop = async () => {
    await server.stop();
    await store.close();
  };
  if (o.banner === 'apiserver') {
    onSignal(stop);
    printReady(o, url, dataDir, kubeconfig);
  }
  return { url, kubeconfig, dataDir, stop };
}

export function printReady(o: RunOptions, url: string, dataDir: string, kubeconfig: string, extra: string[] = []): void {
  process.stdout.write(`switchboard ${o.banner}: ready — API server ${url} (storage ${o.storage}${o.storage === 'sqlite' ? ` ${join(dataDir, 'state.db')}` : ''})\n`);
  for (const line of extra) process.stdout.write(`  ${line}\n`);
  process.stdout.write(`  kubeconfig: ${kubeconfig}\n  export KUBECONFIG=${kubeconfig}\n`);
}

/** SIGINT/SIGTERM: run stop once, then exit 0. */
export function onSignal(stop: () => Promise<void>): void {
  let stopping = false;
  const shutdown = async (sig: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`switchboard: ${sig}: shutting down\n`);
    await stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}
