/**
 * The userspace proxy under test, as `switchboard proxy` runs it (runProxy),
 * in its own process (forked by the driver, IPC channel). Answers
 * { type: 'stats' } with its RSS, heap and CPU time so the driver can charge
 * memory per connection and CPU per byte to the proxy alone.
 *
 * argv: kubeconfig minSyncPeriodMs balance
 */
import { runProxy } from '../../src/cli/proxy.ts';

const [kubeconfig, minSync, balance] = process.argv.slice(2);
const proc = await runProxy({
  kubeconfig: kubeconfig!,
  nodeName: 'bench-node',
  mode: 'userspace',
  minSyncPeriodMs: Number(minSync),
  balance: balance === 'round-robin' ? 'round-robin' : 'random',
  nodePortAddresses: ['127.0.250.1'],
  metricsListen: '127.0.250.2:10249',
  healthzListen: '',
  banner: false,
  log: () => {},
});

process.on('message', (m: { type: string }) => {
  if (m.type === 'stats') {
    const mem = process.memoryUsage();
    const cpu = process.cpuUsage();
    process.send!({ type: 'stats', rss: mem.rss, heapUsed: mem.heapUsed, external: mem.external, cpuS: (cpu.user + cpu.system) / 1e6 });
  } else if (m.type === 'stop') {
    void proc.stop().then(() => process.exit(0));
  }
});
process.send!({ type: 'ready' });
