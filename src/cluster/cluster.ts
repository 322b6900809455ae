/**
 * `switchboard cluster create | list | delete`: a multi-node cluster on one
 * machine, one network namespace per node (see plan.ts for the layout,
 * kube-dns.ts for where DNS lives, components.ts for the processes).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { kernelModeBuilt, unsupportedModeReason } from '../cli/proxy.ts';
import { clusterNameErrors, planCluster, type ClusterPlan, type ClusterSpec, type DataPlaneMode, type IPFamilyChoice, MAX_NODES, API_PORT } from './plan.ts';
import { buildTopology, linkExists, netnsExists, teardownTopology, underlayInUse } from './host.ts';
import { isAlive, spawnDetached, stopRecorded } from './processes.ts';
import { claimName, listRegistry, readState, registryEntry, releaseName, stateFile, writeState, type ClusterState, type RegistryEntry } from './state.ts';
import { controlPlaneReadyFile, nodeDataDir, nodeReadyFile } from './components.ts';

export const defaultDataDir = (name: string) => resolve('.switchboard', 'clusters', name);
const BIN = new URL('../../bin/switchboard.js', import.meta.url).pathname;

export interface CreateOptions {
  name: string;
  nodes: number;
  zones: string[];
  dataplane: string;
  ipFamily: string;
  dataDir?: string;
  /** How long to wait for every component (default 180 s). */
  timeoutMs?: number;
  /** Aborting (Ctrl-C) stops the create and removes what it made. */
  signal?: AbortSignal;
  log?: (line: string) => void;
}

export class ClusterError extends Error {}

function requireRoot(what: string): void {
  if (process.getuid?.() !== 0) throw new ClusterError(`switchboard cluster ${what} needs root (network namespaces, veth pairs, a bridge, nftables); run it with sudo`);
}

/** The checks `create` makes before touching anything; the first problem, or undefined. */
export function createOptionsError(o: CreateOptions): string | undefined {
  const nameErr = clusterNameErrors(o.name)[0];
  if (nameErr) return nameErr;
  if (!Number.isInteger(o.nodes) || o.nodes < 1 || o.nodes > MAX_NODES) return `--nodes must be an integer between 1 and ${MAX_NODES}`;
  for (const z of o.zones) if (!/^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(z) || z.length > 63) return `--zones: "${z}" is not a valid label value`;
  if (o.dataplane === 'ipvs') return unsupportedModeReason('ipvs');
  if (!['userspace', 'nftables', 'iptables'].includes(o.dataplane)) return `unknown data plane "${o.dataplane}": use userspace, nftables or iptables`;
  if (o.dataplane !== 'userspace' && !kernelModeBuilt(o.dataplane)) return `data plane "${o.dataplane}" is not built yet in this copy (src/proxy/${o.dataplane} is missing); use --dataplane userspace`;
  if (o.ipFamily === 'ipv6') {
    return '--ip-family ipv6 is not supported: the node agent allocates pod addresses from an IPv4 block, so pods have IPv4 addresses only or, dual-stack, an IPv6 address paired with each; use --ip-family dual or ipv4';
  }
  if (o.ipFamily === 'dual' && o.dataplane === 'userspace') return '--ip-family dual needs a kernel data plane (nftables or iptables): in userspace mode the local service route and the LoadBalancer addresses are IPv4 only';
  if (o.ipFamily !== 'ipv4' && o.ipFamily !== 'dual') return `unknown --ip-family "${o.ipFamily}": use ipv4, ipv6 or dual`;
  return undefined;
}

function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

async function waitReady(files: { file: string; rec: ClusterState['processes'][number] }[], deadline: number, signal?: AbortSignal): Promise<void> {
  for (;;) {
    if (signal?.aborted) throw new ClusterError('interrupted');
    const pending = files.filter((f) => !existsSync(f.file));
    if (!pending.length) return;
    const dead = pending.find((f) => !isAlive(f.rec));
    if (dead) throw new ClusterError(`${dead.rec.role} exited before it was ready; the end of ${dead.rec.log}:\n${tail(dead.rec.log)}`);
    if (Date.now() > deadline) throw new ClusterError(`timed out waiting for ${pending.map((f) => f.rec.role).join(', ')}; see ${pending.map((f) => f.rec.log).join(', ')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The argv that runs a node's process inside its namespace (see nodeCommand's comment). */
export function nodeCommand(plan: ClusterPlan, k: number, dataDir: string): string[] {
  // Not `ip netns exec`: it makes the mount namespace a slave of the host's, so the namespaces the agent creates for
  // pods (`ip netns add` bind-mounts them under /run/netns) would be visible to the agent only. nsenter joins the node's
  // network namespace; unshare gives a mount namespace that keeps /run/netns shared with the host, in which /sys is
  // remounted so that it shows the node's interfaces (as `ip netns exec` does).
  return [
    'nsenter',
    `--net=/run/netns/${plan.nodes[k - 1]!.netns}`,
    '--',
    'unshare',
    '--mount',
    '--propagation',
    'unchanged',
    '--',
    'sh',
    '-c',
    'mount --make-rprivate /sys && umount -l /sys && mount -t sysfs sysfs /sys && exec "$0" "$@"',
    process.execPath,
    BIN,
    'cluster',
    '_node',
    dataDir,
    String(k),
  ];
}

export interface CreatedCluster {
  plan: ClusterPlan;
  state: ClusterState;
  seconds: number;
}

export async function createCluster(o: CreateOptions): Promise<CreatedCluster> {
  const t0 = Date.now();
  const log = o.log ?? (() => undefined);
  const bad = createOptionsError(o);
  if (bad) throw new ClusterError(bad);
  requireRoot('create');
  const dataDir = resolve(o.dataDir ?? defaultDataDir(o.name));
  const existing = registryEntry(o.name);
  const exists = () => new ClusterError(`cluster "${o.name}" already exists${existing ? ` (data dir ${existing.dataDir})` : ''}; delete it first: switchboard cluster delete ${o.name}`);
  if (existing || netnsExists(`sb-${o.name}-node1`) || netnsExists(`sb-${o.name}-client`)) throw exists();
  if (existsSync(dataDir) && readdirSync(dataDir).length) {
    const other = readState(dataDir);
    if (!other) throw new ClusterError(`--data-dir ${dataDir} is not empty and holds no cluster; choose another directory`);
    if (other.spec.name !== o.name) throw new ClusterError(`--data-dir ${dataDir} holds cluster "${other.spec.name}"; choose another directory`);
  }
  const entry = claimName(o.name, dataDir, underlayInUse);
  if (!entry) throw exists();
  const spec: ClusterSpec = { name: o.name, nodes: o.nodes, zones: o.zones, dataplane: o.dataplane as DataPlaneMode, ipFamily: o.ipFamily as IPFamilyChoice, underlay: entry.underlay };
  const plan = planCluster(spec);
  // Never adopt (and later delete) a namespace or interface someone else made under one of our names.
  const taken = [...[...plan.nodes, plan.client].map((x) => x.netns).filter(netnsExists), ...[plan.bridge, ...[...plan.nodes, plan.client].map((x) => x.veth)].filter(linkExists)];
  if (taken.length) {
    releaseName(entry);
    throw new ClusterError(`cannot create cluster "${o.name}": ${taken.join(', ')} already exist${taken.length === 1 ? 's' : ''} on this host and were not made by it`);
  }
  // A data dir left by an earlier cluster of this name (after a reboot): start afresh.
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(join(dataDir, 'logs'), { recursive: true, mode: 0o700 });
  const state: ClusterState = {
    spec,
    dataDir,
    workDir: process.cwd(),
    createdAt: new Date().toISOString(),
    apiServer: `https://${plan.gateway}:${API_PORT}`,
    kubeconfig: join(dataDir, 'kubeconfig'),
    processes: [],
  };
  writeState(state);
  try {
    log(`creating underlay ${plan.bridge} (${plan.subnet}) and ${plan.nodes.length} node namespaces`);
    await buildTopology(plan);
    if (o.signal?.aborted) throw new ClusterError('interrupted');
    const deadline = Date.now() + (o.timeoutMs ?? 180_000);
    const cp = spawnDetached('control-plane', [process.execPath, BIN, 'cluster', '_control-plane', dataDir], join(dataDir, 'logs', 'control-plane.log'), state.workDir);
    state.processes.push(cp);
    writeState(state);
    log(`starting API server, controllers and DNS on ${plan.gateway} (pid ${cp.pid})`);
    await waitReady([{ file: controlPlaneReadyFile(dataDir), rec: cp }], deadline, o.signal);
    const nodes = plan.nodes.map((n) => {
      mkdirSync(nodeDataDir(dataDir, n.index), { recursive: true, mode: 0o700 });
      return spawnDetached(`node ${n.nodeName}`, nodeCommand(plan, n.index, dataDir), join(dataDir, 'logs', `node${n.index}.log`), state.workDir);
    });
    state.processes.push(...nodes);
    writeState(state);
    log(`starting agents and ${spec.dataplane} proxies in ${plan.nodes.map((n) => n.netns).join(', ')}`);
    await waitReady(
      nodes.map((rec, i) => ({ file: nodeReadyFile(dataDir, i + 1), rec })),
      deadline,
      o.signal,
    );
  } catch (e) {
    log('create failed: removing what was made');
    await destroy(o.name, entry, state, plan, { keepData: true, log }).catch(() => undefined);
    throw e;
  }
  return { plan, state, seconds: (Date.now() - t0) / 1000 };
}

async function destroy(name: string, entry: RegistryEntry | undefined, state: ClusterState | undefined, plan: ClusterPlan | undefined, o: { keepData?: boolean; log: (l: string) => void }) {
  const stopped = state ? await stopRecorded(state.processes) : [];
  const removed = plan ? await teardownTopology(plan, o.log) : { netns: [], links: [], podProcesses: 0 };
  if (entry) releaseName(entry);
  else if (state) releaseName({ name, dataDir: state.dataDir, underlay: state.spec.underlay });
  if (state && existsSync(stateFile(state.dataDir))) {
    if (o.keepData) writeState({ ...state, deletedAt: new Date().toISOString() });
    else rmSync(state.dataDir, { recursive: true, force: true });
  }
  return { stopped, ...removed };
}

export interface DeleteResult {
  stopped: string[];
  netns: string[];
  links: string[];
  podProcesses: number;
  dataDir: string;
}

export async function deleteCluster(name: string, o: { dataDir?: string; keepData?: boolean; log?: (l: string) => void } = {}): Promise<DeleteResult> {
  const nameErr = clusterNameErrors(name)[0];
  if (nameErr) throw new ClusterError(nameErr);
  const entry = registryEntry(name);
  const dataDir = entry?.dataDir ?? resolve(o.dataDir ?? defaultDataDir(name));
  const state = readState(dataDir);
  if (!entry && (!state || state.deletedAt)) throw new ClusterError(`no cluster "${name}" (nothing registered in /run/switchboard/clusters and no ${stateFile(dataDir)})`);
  requireRoot('delete');
  const plan = state ? planCluster(state.spec) : undefined;
  const r = await destroy(name, entry, state, plan, { keepData: o.keepData, log: o.log ?? (() => undefined) });
  return { ...r, dataDir };
}

export interface ClusterSummary {
  name: string;
  nodes: number;
  dataplane: string;
  apiServer: string;
  status: string;
  dataDir: string;
  kubeconfig: string;
}

function summarize(name: string, dataDir: string, registered: boolean): ClusterSummary {
  const s = readState(dataDir);
  if (!s) return { name, nodes: 0, dataplane: '-', apiServer: '-', status: 'broken (no cluster.json)', dataDir, kubeconfig: '-' };
  const plan = planCluster(s.spec);
  const alive = s.processes.filter(isAlive).length;
  const want = 1 + s.spec.nodes;
  const missingNetns = [...plan.nodes.map((n) => n.netns), plan.client.netns].filter((n) => !netnsExists(n)).length;
  let status: string;
  if (!registered) status = 'stopped (not running since a reboot; `cluster delete` cleans up)';
  else if (alive === want && !missingNetns && linkExists(plan.bridge)) status = 'running';
  else if (alive === 0) status = 'stopped (no process running)';
  else status = `degraded (${alive}/${want} processes${missingNetns ? `, ${missingNetns} namespaces missing` : ''})`;
  return { name, nodes: s.spec.nodes, dataplane: s.spec.dataplane, apiServer: s.apiServer, status, dataDir, kubeconfig: s.kubeconfig };
}

/** Registered clusters, plus clusters under ./.switchboard/clusters that are not (left from before a reboot). */
export function listClusters(): ClusterSummary[] {
  const out = listRegistry().map((e) => summarize(e.name, e.dataDir, true));
  const local = resolve('.switchboard', 'clusters');
  for (const d of existsSync(local) ? readdirSync(local) : []) {
    const dir = join(local, d);
    if (out.some((c) => c.dataDir === dir) || !existsSync(stateFile(dir)) || readState(dir)?.deletedAt) continue;
    out.push(summarize(d, dir, false));
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}
