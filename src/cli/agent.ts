/**
 * `switchboard agent --kubeconfig … --node-name N [--zone Z] [--region R]
 * [--mode loopback|netns] [--drain]`: the node agent as a plain API client,
 * against this project's API server or any conformant one. Also started by
 * `switchboard up` for the local node.
 *
 * Stop semantics: SIGINT/SIGTERM stop the agent and leave its pods running
 * (the next agent adopts them); with --drain the agent first cordons the
 * node, terminates and deletes its pods gracefully, and deregisters the node.
 */
import { join, resolve } from 'node:path';
import { RestClient, loadClientConfig } from '../client/index.ts';
import { startAgent, type Agent, type AgentMode, type AgentOptions } from '../node/index.ts';

export interface RunAgentOptions {
  /** Kubeconfig path (default: $KUBECONFIG, then ~/.kube/config). */
  kubeconfig?: string;
  context?: string;
  nodeName: string;
  zone?: string;
  region?: string;
  mode: AgentMode;
  /** On SIGINT/SIGTERM, drain (terminate and delete pods, deregister the node) before exiting. */
  drain?: boolean;
  /** Pod state and logs (default .switchboard/agents/NODE). */
  dataDir?: string;
  /** Install SIGINT/SIGTERM handlers and exit the process when the agent stops (default true; false inside `switchboard up`). */
  handleSignals?: boolean;
  /** Print the ready line on stdout (default true). */
  banner?: boolean;
  /** Anything else startAgent takes (nodeIP, podCIDR, port, leaseDurationSeconds, backoff …). */
  agent?: Partial<Omit<AgentOptions, 'nodeName' | 'mode' | 'dataDir' | 'zone' | 'region'>>;
  log?: (line: string) => void;
}

/** Starts the agent; resolves once the node is registered and its pods are running. */
export async function runAgent(opts: RunAgentOptions): Promise<Agent> {
  const cfg = loadClientConfig(opts.kubeconfig, opts.context);
  const client = new RestClient(cfg);
  client.userAgent = `switchboard-agent/0.1 (${opts.nodeName})`;
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const dataDir = resolve(opts.dataDir ?? join('.switchboard', 'agents', opts.nodeName));
  const agent = await startAgent(client, {
    ...opts.agent,
    nodeName: opts.nodeName,
    mode: opts.mode,
    zone: opts.zone,
    region: opts.region,
    dataDir,
    authToken: opts.agent?.authToken ?? cfg.token,
    log,
  });
  void agent.done.then(() => client.close());
  if (opts.banner !== false) {
    process.stdout.write(
      `switchboard agent: ready — node ${agent.nodeName} (${agent.mode} mode, pods ${agent.podCIDR}, logs https://${agent.nodeIP}:${agent.port}) against ${cfg.server}\n`,
    );
  }
  if (opts.handleSignals !== false) {
    let stopping = false;
    const shutdown = (sig: string) => {
      if (stopping) return;
      stopping = true;
      process.stderr.write(`switchboard agent: ${sig}: ${opts.drain ? 'draining node' : 'stopping (pods keep running)'}\n`);
      void (opts.drain ? agent.drain() : agent.stop()).then(() => process.exit(0));
    };
    process.once('SIGINT', () => shutdown('SIGINT'));
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    void agent.done.then(() => {
      if (!stopping) {
        process.stderr.write(`switchboard agent: node ${agent.nodeName} is gone; exiting\n`);
        process.exit(0);
      }
    });
  }
  return agent;
}
