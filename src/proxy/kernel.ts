/**
 * What the kernel data planes (nftables, iptables) get from the proxy core.
 * Both are a pure renderer (ProxyState → ruleset text) plus an applier that
 * runs the kernel tools; the applier's command runner is injected so tests can
 * run it inside a network namespace (`ip netns exec NS …`) or record it.
 */
import { execFile } from 'node:child_process';
import type { DataPlane, NodeAddressing } from './data-plane.ts';
import type { ProxyEventRecorder } from './events.ts';
import type { IPFamily } from './types.ts';

/** Runs a tool (nft, iptables-restore, conntrack …) with optional stdin; rejects with its stderr on failure. */
export type CommandRunner = (file: string, args: readonly string[], input?: string) => Promise<string>;

export interface KernelDataPlaneContext {
  addressing: NodeAddressing;
  events: ProxyEventRecorder;
  /** Families to program (a single-stack node: one). */
  ipFamilies: readonly IPFamily[];
  /** --cluster-cidr: pod ranges of the whole cluster (traffic from outside them to a ClusterIP is masqueraded). */
  clusterCIDRs: readonly string[];
  /** Runs the kernel tools; default: execFile on this machine (the current network namespace). */
  run?: CommandRunner;
  /** Table name (nftables) or chain prefix (iptables); default `switchboard` / `KUBE`. Tests use a unique one. */
  name?: string;
  log?: (line: string) => void;
}

export type KernelDataPlaneFactory = (ctx: KernelDataPlaneContext) => DataPlane;

/**
 * The default CommandRunner: the tool on this machine, stdin when given, at
 * most 10 minutes (a full load of 10,000 services through iptables-nft takes
 * minutes). A tool that exits before reading all of its input fails with its
 * own message, not an EPIPE that would take the process down.
 */
export const execRunner: CommandRunner = (file, args, input) =>
  new Promise((resolve, reject) => {
    const child = execFile(file, [...args], { timeout: 600_000, maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${file} ${args.join(' ')}: ${String(stderr).trim() || err.message}`));
      else resolve(String(stdout));
    });
    child.stdin!.on('error', () => undefined); // reported through the exit status and stderr above
    if (input !== undefined) child.stdin!.end(input);
    else child.stdin!.end();
  });

/** A CommandRunner that runs every tool inside the named network namespace. */
export function netnsRunner(netns: string, base: CommandRunner = execRunner): CommandRunner {
  return (file, args, input) => base('ip', ['netns', 'exec', netns, file, ...args], input);
}
