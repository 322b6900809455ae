/**
 * `switchboard up`: the embedded single-machine cluster in one process tree —
 * API server (SQLite), endpoint controllers, scheduler, node lifecycle
 * controller and the local node agent (loopback mode). Every component talks
 * to the API server through the kubeconfig, exactly as it would as its own
 * process.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import { RestClient, loadClientConfig } from '../client/index.ts';
import { startScheduler } from '../scheduler/index.ts';
import { startNodeLifecycleController } from '../controllers/nodelifecycle/index.ts';
import { runApiServer, printReady, onSignal, type RunOptions } from './apiserver.ts';
import { runControllerManager } from './controller-manager.ts';
import { runAgent } from './agent.ts';

export async function runUp(o: RunOptions & { nodeName?: string }): Promise<void> {
  const t0 = Date.now();
  const progress = (what: string) => process.stderr.write(`switchboard up: ${what} (${Date.now() - t0} ms)\n`);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const api = await runApiServer(o);
  progress(`API server ready at ${api.url}`);
  const stops: (() => Promise<void> | void)[] = [api.stop];
  const client = new RestClient(loadClientConfig(api.kubeconfig));
  client.userAgent = 'switchboard-up/0.1';
  const cm = await runControllerManager({ kubeconfig: api.kubeconfig, banner: false, log });
  stops.unshift(() => cm.stop());
  progress('controllers synced (EndpointSlice, Endpoints, mirroring)');
  const scheduler = startScheduler(client, { log });
  const lifecycle = startNodeLifecycleController(client, { log });
  stops.unshift(() => scheduler.stop(), () => lifecycle.stop(), () => client.close());
  await Promise.all([scheduler.synced, lifecycle.synced]);
  progress('scheduler and node lifecycle controller synced');
  const nodeName = o.nodeName ?? hostname().toLowerCase().replace(/[^a-z0-9.-]/g, '-');
  const agent = await runAgent({ kubeconfig: api.kubeconfig, nodeName, mode: 'loopback', dataDir: join(api.dataDir, 'agents', nodeName), handleSignals: false, banner: false, log });
  // The agent stops first; its pods keep running and are adopted by the next `up`.
  stops.unshift(() => agent.stop());
  progress(`node agent ready (node ${nodeName}, loopback mode)`);
  onSignal(async () => {
    for (const s of stops) await s();
  });
  printReady(o, api.url, api.dataDir, api.kubeconfig, [`node: ${nodeName} (pods on 127.244.0.0/16)`, 'service ClusterIPs: 127.96.0.0/16, NodePorts: 30000-32767']);
}
