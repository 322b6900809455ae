/**
 * Benchmark child process: one node agent, exactly as `switchboard agent`
 * runs it (runAgent over a kubeconfig), in its own process so its CPU and
 * memory are measured apart from the API server and the driver.
 *
 * Jobs (over IPC): start, metrics, stop.
 */
import { serve } from '../apiserver/worker-rpc.ts';
import { runAgent, type RunAgentOptions } from '../../src/cli/agent.ts';
import type { Agent } from '../../src/node/index.ts';

let agent: Agent | undefined;

serve({
  async start(opts: RunAgentOptions) {
    agent = await runAgent({ ...opts, handleSignals: false, banner: false, log: () => undefined });
    return { pid: process.pid, port: agent.port, podCIDR: agent.podCIDR };
  },
  async metrics() {
    return agent?.metrics();
  },
  async stop(o: { drain?: boolean }) {
    if (o.drain) await agent?.drain();
    else await agent?.stop();
    return true;
  },
});
