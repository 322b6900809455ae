/**
 * Entry of a DNS worker process (see workers.ts): runs one instance with the
 * configuration the supervisor put in the environment — on the sockets the
 * SO_REUSEPORT helper passed down, or binding through node:cluster — reports
 * "listening" and "ready", answers metrics requests, and stops on "stop" or
 * when the supervisor goes away.
 */
import { startDnsInstance, type DnsInstanceConfig } from './start.ts';
import { WORKER_ENV, WORKER_FDS_ENV, type WorkerMessage } from './workers.ts';

const send = (m: WorkerMessage) => {
  if (process.connected) process.send?.(m);
};
const log = (line: string) => process.stderr.write(`[dns worker ${process.pid}] ${line}\n`);

if (!process.env[WORKER_ENV] || !process.send) {
  process.stderr.write('switchboard dns worker: start me through startDns({ workers: N })\n');
  process.exit(2);
}

const cfg = JSON.parse(process.env[WORKER_ENV]!) as DnsInstanceConfig;
const fds = process.env[WORKER_FDS_ENV]?.split(',').map(Number);
if (fds?.length === 2 && fds.every((n) => Number.isInteger(n) && n > 2)) cfg.fds = { udp: fds[0], tcp: fds[1] };
try {
  const inst = await startDnsInstance(cfg, log);
  const stop = () => void inst.stop().finally(() => process.exit(0));
  process.on('message', (m: WorkerMessage) => {
    if (m?.sb !== 'dns') return;
    if (m.event === 'stop') stop();
    else if (m.event === 'metrics?') void inst.metrics.registry.getMetricsAsJSON().then((metrics) => send({ sb: 'dns', event: 'metrics', id: m.id, metrics }));
  });
  // The supervisor died: nothing to serve for.
  process.on('disconnect', stop);
  send({ sb: 'dns', event: 'listening' });
  await inst.synced;
  send({ sb: 'dns', event: 'ready' });
} catch (e) {
  send({ sb: 'dns', event: 'error', error: e instanceof Error ? e.message : String(e) });
  setTimeout(() => process.exit(1), 100);
}
