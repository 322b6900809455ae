/**
 * The node agent: the part of the kubelet Services depend on. It registers
 * the Node, renews its Lease, watches the pods bound to it
 * (fieldSelector spec.nodeName=NODE) and runs each through a PodWorker,
 * writes their status through the StatusManager, and serves container logs.
 * It sees the cluster only through src/client.
 *
 * Restart-safe: pod state lives in DATA/pods; a new agent adopts running
 * processes and sandboxes of pods that still exist, kills and cleans up those
 * of pods that are gone, and deletes leaked network namespaces of its node.
 */
import { mkdirSync, readFileSync, rmSync, statfsSync } from 'node:fs';
import os from 'node:os';
import { resolve } from 'node:path';
import type { Lease, Node, Pod, Service } from '../api/types.ts';
import { isAlreadyExists, isConflict, isNotFound } from '../api/status.ts';
import { Informer, Resources, type RestClient } from '../client/index.ts';
import { DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.ts';
import { ensureServingCert, type ServingCert } from './cert.ts';
import { newEventRecorder, nodeRef, podRef, type EventRecorder } from './events.ts';
import { blockCount, cidrContains, nthBlock, parseCidr } from './ipam.ts';
import { NodeLease, microTime } from './lease.ts';
import { startLogServer, type LogServer } from './log-server.ts';
import { runtimeNames } from './names.ts';
import { LoopbackNetwork, NetnsNetwork, type DnsSettings, type PodNetwork } from './network.ts';
import { nodeLabels, nodeStatusDiffers, planNode, planNodeStatus, type MachineFacts } from './node-status.ts';
import { PodWorker, type WorkerContext } from './pod-worker.ts';
import { killIfSame } from './runtime.ts';
import { newLauncher } from './launcher.ts';
import { blockHolder, lockBlock, unlockBlock } from './host-lock.ts';
import { StateStore, type PodRecord } from './state.ts';
import { StatusManager } from './status-manager.ts';

export type AgentMode = 'loopback' | 'netns';

export interface AgentOptions {
  nodeName: string;
  /** loopback (default): pod IPs in 127.244.0.0/16. netns (root): a network namespace per pod. */
  mode?: AgentMode;
  /** Pod state, logs and the serving certificate. */
  dataDir: string;
  zone?: string;
  region?: string;
  /** Extra node labels. */
  labels?: Record<string, string>;
  /** The node's InternalIP (default: 127.0.0.1 in loopback mode, the first non-loopback IPv4 in netns mode). */
  nodeIP?: string;
  /** This node's pod range; default: the Node's spec.podCIDR, else a free block of clusterCIDR claimed through the API. */
  podCIDR?: string;
  /**
   * Dual-stack (netns mode): this node's IPv6 pod range (e.g. fd00:10:244:1::/64), used when the Node's
   * spec.podCIDRs has none; pods then get an address of each family and the Node's spec.podCIDRs lists both.
   */
  podCIDR6?: string;
  /** Default 127.244.0.0/16 (loopback) or 10.244.0.0/16 (netns). */
  clusterCIDR?: string;
  /** Size of a node's block (default 24). */
  nodeCIDRMaskSize?: number;
  /** HTTPS port for container logs (default 0: any free port, published in Node.status.daemonEndpoints). */
  port?: number;
  /** Address that port listens on (default: the node IP). */
  address?: string;
  /** Bearer token callers of the HTTPS endpoint must present (the cluster's token). */
  authToken?: string;
  /** Serving certificate; default: self-signed, kept in DATA/pki. */
  servingCert?: ServingCert;
  /** Lease duration (default 40 s); renewed every quarter of it unless leaseRenewIntervalMs says otherwise. */
  leaseDurationSeconds?: number;
  leaseRenewIntervalMs?: number;
  /** How often the node status is compared with the API (default 10 s; written only on change or every 5 minutes). */
  nodeStatusUpdateMs?: number;
  /** CrashLoopBackOff (default 10 s doubling to 300 s). */
  backoff?: BackoffPolicy;
  clusterDomain?: string;
  /** Cluster DNS servers for pods' resolv.conf (default: the kube-system/kube-dns Service's ClusterIP). */
  clusterDNS?: string[];
  /** Prefix of host-wide names (network namespaces, interfaces), default "sb". */
  namePrefix?: string;
  /** Allocatable pods (default 110, as the kubelet). */
  maxPods?: number;
  /** Working directory of containers without workingDir (default: the agent's). */
  workingDir?: string;
  log?: (line: string) => void;
}

export interface AgentMetrics {
  pods: number;
  statusWrites: number;
  /** Readiness probe result → pods/status write completed, ms. */
  statusWriteLatenciesMs: number[];
  leaseRenewals: number;
}

export interface Agent {
  readonly nodeName: string;
  readonly mode: AgentMode;
  readonly podCIDR: string;
  /** spec.podCIDRs: [podCIDR], or [podCIDR, IPv6 range] when dual-stack. */
  readonly podCIDRs: string[];
  readonly nodeIP: string;
  /** HTTPS port of the logs endpoint (Node.status.daemonEndpoints.kubeletEndpoint.Port). */
  readonly port: number;
  /** Resolves once the agent has stopped (stop(), drain(), or its Node was deleted). */
  readonly done: Promise<void>;
  /** Stops watching and heart-beating; pods keep running and are adopted by the next agent. */
  stop(): Promise<void>;
  /**
   * The machine goes down (`switchboard up` stopped): stops like stop(), and
   * every pod's processes too (SIGTERM, then SIGKILL after the pod's grace
   * period, at most `capSeconds`); the pods stay in the API and the next
   * agent restarts them. `removeNetwork` (netns mode) also deletes the pods'
   * network namespaces and the node bridge, so nothing of the node is left;
   * the next agent then gives each pod a new sandbox.
   */
  shutdown(o?: { capSeconds?: number; removeNetwork?: boolean }): Promise<void>;
  /**
   * Cordons the node, deletes its pods gracefully (each terminates as on any
   * deletion), then deletes its Lease and Node and stops.
   */
  drain(): Promise<void>;
  metrics(): AgentMetrics;
  /** Process group ids of a pod's running containers (tests). */
  podPids(namespace: string, name: string): number[];
  /** A pod's network namespace in netns mode (tests). */
  podNetns(namespace: string, name: string): string | undefined;
}

const LABEL_CIDR_CLAIM = 'switchboard.io/pod-cidr-claim';
const CLAIM_NAMESPACE = 'kube-system';

function machineFacts(dataDir: string): MachineFacts {
  const read = (p: string) => {
    try {
      return readFileSync(p, 'utf8').trim();
    } catch {
      return '';
    }
  };
  let ephemeral = 0;
  try {
    const s = statfsSync(dataDir);
    ephemeral = s.blocks * s.bsize;
  } catch {
    /* unknown */
  }
  const osRelease = read('/etc/os-release');
  const pretty = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(osRelease)?.[1] ?? 'Linux';
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  return {
    hostname: os.hostname(),
    cpus: os.cpus().length,
    memoryBytes: os.totalmem(),
    ephemeralBytes: ephemeral,
    machineID: read('/etc/machine-id'),
    systemUUID: read('/sys/class/dmi/id/product_uuid'),
    bootID: read('/proc/sys/kernel/random/boot_id'),
    kernelVersion: os.release(),
    osImage: pretty,
    architecture: arch,
  };
}

function detectNodeIP(mode: AgentMode): string {
  if (mode === 'loopback') return '127.0.0.1';
  for (const [name, addrs] of Object.entries(os.networkInterfaces())) {
    if (name.startsWith('sbr') || name.startsWith('sbv')) continue;
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * This node's pod block: the Node's spec.podCIDR if it has one, else the
 * configured one, else the first block of clusterCIDR nobody holds, claimed
 * atomically by creating a Lease kube-system/podcidr-A.B.C.D-LEN (create
 * fails for the second claimant). A claim whose holder node no longer exists
 * and was not renewed for a minute is taken over.
 */
export async function claimPodCIDR(
  client: RestClient,
  nodeName: string,
  clusterCIDR: string,
  maskSize: number,
  log: (l: string) => void,
  acquire: (block: string) => boolean = () => true,
  release: (block: string) => void = () => undefined,
): Promise<string> {
  const claims = (await client.list<Lease>(Resources.leases, CLAIM_NAMESPACE, { labelSelector: LABEL_CIDR_CLAIM })).items;
  const cluster = parseCidr(clusterCIDR);
  const own = claims
    .filter((l) => l.spec?.holderIdentity === nodeName)
    .map((l) => l.metadata.annotations?.[LABEL_CIDR_CLAIM] ?? '')
    .find((b) => b.endsWith(`/${maskSize}`) && cidrContains(cluster, b.split('/')[0]));
  if (own) {
    if (!acquire(own)) throw new Error(`pod block ${own} claimed by node ${nodeName} is in use on this host by another cluster`);
    return own;
  }
  const nodes = new Set((await client.list<Node>(Resources.nodes, undefined)).items.map((n) => n.metadata.name));
  const n = blockCount(clusterCIDR, maskSize);
  for (let i = 0; i < n; i++) {
    const block = nthBlock(clusterCIDR, maskSize, i)!;
    const name = `podcidr-${block.replace('/', '-')}`;
    const lease: Lease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name, namespace: CLAIM_NAMESPACE, labels: { [LABEL_CIDR_CLAIM]: 'true' }, annotations: { [LABEL_CIDR_CLAIM]: block } },
      spec: { holderIdentity: nodeName, acquireTime: microTime(Date.now()), renewTime: microTime(Date.now()) },
    };
    const existing = claims.find((l) => l.metadata.name === name);
    if (existing) {
      const holder = existing.spec?.holderIdentity ?? '';
      const age = Date.now() - Date.parse(existing.spec?.renewTime ?? existing.metadata.creationTimestamp ?? '');
      if (nodes.has(holder) || !(age > 60_000)) continue;
      if (!acquire(block)) continue;
      try {
        await client.update<Lease>(Resources.leases, CLAIM_NAMESPACE, { ...lease, metadata: { ...lease.metadata, resourceVersion: existing.metadata.resourceVersion } });
        log(`took over pod CIDR ${block} from deleted node ${holder}`);
        return block;
      } catch (e) {
        release(block);
        if (isConflict(e) || isNotFound(e)) continue;
        throw e;
      }
    }
    if (!acquire(block)) continue;
    try {
      await client.create<Lease>(Resources.leases, CLAIM_NAMESPACE, lease);
      return block;
    } catch (e) {
      release(block);
      if (isAlreadyExists(e)) continue;
      throw e;
    }
  }
  throw new Error(`no free /${maskSize} pod block left in ${clusterCIDR}`);
}

/** Starts the agent; resolves once the Node is registered and the agent runs its pods. */
export async function startAgent(client: RestClient, o: AgentOptions): Promise<Agent> {
  const mode: AgentMode = o.mode ?? 'loopback';
  const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const nodeName = o.nodeName;
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(nodeName) || nodeName.length > 253) {
    throw new Error(`invalid node name "${nodeName}": must be a lowercase RFC 1123 subdomain`);
  }
  if (mode === 'netns' && process.getuid?.() !== 0) throw new Error('netns mode needs root (network namespaces, veth, bridge)');
  const dataDir = resolve(o.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const store = new StateStore(dataDir);
  const nodeIP = o.nodeIP ?? detectNodeIP(mode);
  const machine = machineFacts(dataDir);
  const maxPods = o.maxPods ?? 110;
  const clusterCIDR = o.clusterCIDR ?? (mode === 'loopback' ? '127.244.0.0/16' : '10.244.0.0/16');
  const maskSize = o.nodeCIDRMaskSize ?? 24;
  const labels = nodeLabels(nodeName, o.zone, o.region, machine.architecture, o.labels);
  const events: EventRecorder = newEventRecorder(client, { component: 'kubelet', host: nodeName }, { log });

  // Pod block.
  let existing: Node | undefined;
  try {
    existing = await client.get<Node>(Resources.nodes, undefined, nodeName);
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
  // Loopback blocks are host-wide: another cluster's agent on this machine may hold one.
  const hostWide = mode === 'loopback';
  const me = { dataDir, node: nodeName };
  const given = existing?.spec?.podCIDR || o.podCIDR;
  const podCIDR =
    given ||
    (await claimPodCIDR(
      client,
      nodeName,
      clusterCIDR,
      maskSize,
      log,
      (b) => !hostWide || lockBlock(b, me),
      (b) => hostWide && unlockBlock(b, dataDir),
    ));
  parseCidr(podCIDR);
  if (hostWide && given && !lockBlock(podCIDR, me)) {
    const h = blockHolder(podCIDR);
    throw new Error(`pod block ${podCIDR} of node ${nodeName} is in use on this host by node ${h?.node} of another cluster (pid ${h?.pid}, data ${h?.dataDir})`);
  }
  const podCIDR6 = existing?.spec?.podCIDR ? existing.spec.podCIDRs?.find((c) => c.includes(':')) : o.podCIDR6;
  if (podCIDR6 && mode !== 'netns') throw new Error('an IPv6 pod range needs netns mode');
  const podCIDRs = podCIDR6 ? [podCIDR, podCIDR6] : [podCIDR];
  const names = runtimeNames(o.namePrefix ?? 'sb', nodeName);
  const network: PodNetwork = mode === 'loopback' ? new LoopbackNetwork(podCIDR) : new NetnsNetwork(podCIDR, names, log, podCIDR6);
  await network.init();

  // HTTPS endpoint for logs.
  const workers = new Map<string, PodWorker>();
  const cert = o.servingCert ?? ensureServingCert(resolve(dataDir, 'pki'), nodeName, [nodeIP]);
  if (!o.authToken) log(`agent ${nodeName}: no bearer token configured: the logs endpoint will refuse every request`);
  const server: LogServer = await startLogServer({
    host: o.address ?? nodeIP,
    port: o.port ?? 0,
    cert: cert.cert,
    key: cert.key,
    token: o.authToken,
    log,
    source: {
      target(ns, pod, container, previous) {
        const w = workers.get(`${ns}/${pod}`);
        return w ? w.logTarget(container, previous) : undefined;
      },
      pods: () => ({ kind: 'PodList', apiVersion: 'v1', metadata: {}, items: [...workers.values()].map((w) => w.pod) }),
    },
  });

  // Node registration.
  let nodeUid: string | undefined = existing?.metadata.uid;
  let lastNodeReport = 0;
  let stopping = false;
  let draining = false;
  const iso = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const planInput = (old: Node | undefined, ready = !draining) => ({
    name: nodeName,
    labels,
    podCIDR,
    ...(podCIDR6 ? { podCIDRs } : {}),
    internalIP: nodeIP,
    kubeletPort: server.port,
    maxPods,
    machine,
    ready,
    notReadyMessage: 'node is shutting down',
    now: iso(),
    old,
  });
  const patchNodeStatus = async (old: Node | undefined) => {
    const status = planNodeStatus(planInput(old));
    const res = await client.patch<Node>(
      Resources.nodes,
      undefined,
      nodeName,
      { status: { ...status, '$setElementOrder/conditions': status.conditions!.map((c) => ({ type: c.type })) } },
      'strategic',
      'status',
    );
    lastNodeReport = Date.now();
    const wasReady = old?.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
    if (!wasReady && !draining) events.event(nodeRef(nodeName), 'Normal', 'NodeReady', `Node ${nodeName} status is now: NodeReady`);
    return res;
  };
  if (!existing) {
    try {
      existing = await client.create<Node>(Resources.nodes, undefined, planNode(planInput(undefined)));
      lastNodeReport = Date.now();
      events.event(nodeRef(nodeName), 'Normal', 'NodeReady', `Node ${nodeName} status is now: NodeReady`);
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
      existing = await client.get<Node>(Resources.nodes, undefined, nodeName);
    }
  }
  if (existing && lastNodeReport === 0) {
    const spec = existing.spec?.podCIDR ? {} : { spec: { podCIDR, podCIDRs } };
    existing = await client.patch<Node>(Resources.nodes, undefined, nodeName, { metadata: { labels }, ...spec }, 'merge');
    existing = await patchNodeStatus(existing);
  }
  nodeUid = existing?.metadata.uid ?? nodeUid;
  events.event(nodeRef(nodeName), 'Normal', 'Starting', 'Starting kubelet.');

  const leaseDuration = o.leaseDurationSeconds ?? 40;
  const lease = new NodeLease(client, nodeName, () => nodeUid, leaseDuration, o.leaseRenewIntervalMs ?? leaseDuration * 250, log);
  lease.start();

  // Informers.
  const services = new Informer<Service>(client, Resources.services, { log });
  const pods = new Informer<Pod>(client, Resources.pods, { fieldSelector: `spec.nodeName=${nodeName}`, log });
  const nodeInformer = new Informer<Node>(client, Resources.nodes, { fieldSelector: `metadata.name=${nodeName}`, log });
  services.start();
  pods.start();
  nodeInformer.start();
  await Promise.all([services.waitForSync(), pods.waitForSync(), nodeInformer.waitForSync()]);

  const status = new StatusManager(client, pods.cache, log);
  const clusterDomain = o.clusterDomain ?? 'cluster.local';
  const baseEnv = new Map<string, string>([
    ['PATH', process.env['PATH'] || '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
    ['HOME', process.env['HOME'] || '/root'],
  ]);
  const clusterDNS = (): string[] => {
    if (o.clusterDNS?.length) return o.clusterDNS;
    const svc = services.cache.get('kube-system/kube-dns');
    const ip = svc?.spec?.clusterIP;
    return ip && ip !== 'None' ? [ip] : [];
  };
  const dnsFor = (pod: Pod): DnsSettings | undefined => {
    let policy = String(pod.spec['dnsPolicy'] ?? 'ClusterFirst');
    if (policy === 'ClusterFirst' && pod.spec['hostNetwork'] === true) policy = 'Default';
    const cfg = (pod.spec['dnsConfig'] ?? {}) as { nameservers?: string[]; searches?: string[]; options?: { name: string; value?: string }[] };
    let d: DnsSettings | undefined;
    if (policy === 'ClusterFirst' || policy === 'ClusterFirstWithHostNet') {
      const servers = clusterDNS();
      if (!servers.length) {
        events.event(podRef(pod), 'Warning', 'MissingClusterDNS', `pod: ${JSON.stringify(`${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`)}. kubelet does not have ClusterDNS IP configured and cannot create Pod using "ClusterFirst" policy. Falling back to "Default" policy.`);
        return undefined;
      }
      const ns = pod.metadata.namespace ?? 'default';
      d = { nameservers: servers, searches: [`${ns}.svc.${clusterDomain}`, `svc.${clusterDomain}`, clusterDomain], options: ['ndots:5'] };
    } else if (policy === 'None') {
      d = { nameservers: [], searches: [], options: [] };
    } else {
      return undefined;
    }
    d.nameservers = [...d.nameservers, ...(cfg.nameservers ?? [])].slice(0, 3);
    d.searches = [...new Set([...d.searches, ...(cfg.searches ?? [])])].slice(0, 32);
    const opts = new Map(d.options.map((x) => [x.split(':')[0], x] as const));
    for (const op of cfg.options ?? []) opts.set(op.name, op.value !== undefined ? `${op.name}:${op.value}` : op.name);
    d.options = [...opts.values()];
    return d;
  };

  const launcher = newLauncher(log);
  const ctx: WorkerContext = {
    nodeName,
    hostIPs: [nodeIP],
    network,
    store,
    launcher,
    events,
    backoff: o.backoff ?? DEFAULT_BACKOFF,
    baseEnv,
    workingDir: o.workingDir ?? process.cwd(),
    services: () => services.cache.list(),
    nodeAllocatable: planNodeStatus(planInput(undefined)).allocatable ?? {},
    dnsFor,
    statusChanged: (key) => status.changed(key),
    flushStatus: (key) => status.flush(key),
    finalizeDeletion: async (pod) => {
      try {
        await client.delete(Resources.pods, pod.metadata.namespace, pod.metadata.name!, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } });
      } catch (e) {
        if (!isNotFound(e) && !isConflict(e)) log(`pod ${pod.metadata.namespace}/${pod.metadata.name}: confirming deletion: ${errText(e)}`);
      }
    },
    onReadinessChange: (key, at) => status.noteReadinessChange(key, at),
    log,
  };

  const newWorker = (pod: Pod, record?: PodRecord) => {
    const w = new PodWorker(ctx, pod, record);
    workers.set(w.key, w);
    status.register(w.key, w.uid, () => w.view());
    w.start(!!record);
    return w;
  };
  const dropWorker = (w: PodWorker) => {
    void w.remove().finally(() => {
      status.unregister(w.key, w.uid);
      if (workers.get(w.key) === w) workers.delete(w.key);
    });
  };

  // Adopt what a previous agent left: records of pods that still exist are adopted, the rest cleaned up.
  const records = store.load();
  const byUid = new Map(pods.cache.list().map((p) => [p.metadata.uid, p]));
  // Taken before the workers start: one whose sandbox is gone makes a new one under the same name at once.
  const knownNetns = new Set<string>();
  for (const r of records) if (byUid.has(r.uid) && r.sandbox?.netns) knownNetns.add(r.sandbox.netns);
  for (const r of records) {
    const pod = byUid.get(r.uid);
    if (pod) {
      newWorker(pod, r);
      continue;
    }
    for (const c of [...Object.values(r.containers), ...Object.values(r.init)]) if (c.pid && c.startTicks) killIfSame(c.pid, c.startTicks);
    if (r.sandbox) await network.teardown(r.sandbox).catch((e: unknown) => log(`cleanup of ${r.namespace}/${r.name}: ${errText(e)}`));
    store.remove(r);
  }
  await network.sweep(knownNetns);
  for (const d of store.orphanLogDirs(new Set(records.filter((r) => byUid.has(r.uid)).map((r) => r.uid)))) rmSync(d, { recursive: true, force: true });

  const ensure = (pod: Pod) => {
    if (stopping) return;
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    const w = workers.get(key);
    if (w && w.uid === pod.metadata.uid) {
      w.update(pod);
      status.changed(key);
      return;
    }
    if (w) {
      workers.delete(key);
      dropWorker(w);
    }
    newWorker(pod);
  };
  pods.addHandler({
    onAdd: ensure,
    onUpdate: (_o, p) => ensure(p),
    onDelete: (p) => {
      const key = `${p.metadata.namespace}/${p.metadata.name}`;
      const w = workers.get(key);
      if (w && w.uid === p.metadata.uid) dropWorker(w);
    },
  });

  // Node status: compare every period, write on change (or every 5 minutes); re-post at once when someone else changed Ready.
  let statusTimer: NodeJS.Timeout | undefined;
  let syncingNode = false;
  const syncNode = async () => {
    if (stopping || syncingNode) return;
    syncingNode = true;
    try {
      const cur = nodeInformer.cache.get(nodeName);
      if (!cur) return;
      nodeUid = cur.metadata.uid;
      const planned = planNodeStatus(planInput(cur));
      if (nodeStatusDiffers(planned, cur.status) || Date.now() - lastNodeReport > 5 * 60_000) await patchNodeStatus(cur);
    } catch (e) {
      if (!isNotFound(e)) log(`node ${nodeName} status: ${errText(e)}`);
    } finally {
      syncingNode = false;
    }
  };
  const nodeTick = () => {
    void syncNode().finally(() => {
      if (!stopping) statusTimer = setTimeout(nodeTick, o.nodeStatusUpdateMs ?? 10_000);
    });
  };
  statusTimer = setTimeout(nodeTick, o.nodeStatusUpdateMs ?? 10_000);

  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));

  const stop = async () => {
    if (stopping) return done;
    stopping = true;
    if (statusTimer) clearTimeout(statusTimer);
    lease.stop();
    services.stop();
    pods.stop();
    nodeInformer.stop();
    status.stop();
    for (const w of workers.values()) w.close();
    launcher.close();
    await events.flush();
    await server.close();
    resolveDone();
  };

  /** Deletes every pod of this node through the API and waits until they are gone. */
  const evictAll = async (timeoutMs: number) => {
    const list = [...workers.values()];
    await Promise.all(
      list.map((w) =>
        client.delete(Resources.pods, w.pod.metadata.namespace, w.pod.metadata.name!, { preconditions: { uid: w.uid } }).catch((e: unknown) => {
          if (!isNotFound(e) && !isConflict(e)) log(`deleting ${w.key}: ${errText(e)}`);
        }),
      ),
    );
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && [...workers.values()].some((w) => list.includes(w))) await new Promise((r) => setTimeout(r, 100));
  };
  const maxGraceMs = () => Math.max(0, ...[...workers.values()].map((w) => (w.pod.spec.terminationGracePeriodSeconds ?? 30) * 1000)) + 15_000;

  nodeInformer.addHandler({
    onUpdate: (_o, n) => {
      nodeUid = n.metadata.uid;
      const ready = n.status?.conditions?.find((c) => c.type === 'Ready');
      if (!draining && ready?.status !== 'True') void syncNode();
    },
    onDelete: () => {
      if (stopping || draining) return;
      draining = true;
      log(`node ${nodeName} was deleted: terminating its pods`);
      lease.stop();
      if (statusTimer) clearTimeout(statusTimer);
      void evictAll(maxGraceMs()).then(() => stop());
    },
  });

  return {
    nodeName,
    mode,
    podCIDR,
    podCIDRs,
    nodeIP,
    port: server.port,
    done,
    stop,
    async shutdown(so = {}) {
      if (stopping) return done;
      // Killed before stop() closes the workers, so each saves its record (back-off reset) as it closes.
      await Promise.all([...workers.values()].map((w) => w.killForShutdown(so.capSeconds ?? 10)));
      await stop();
      if (so.removeNetwork) {
        await network.sweep(new Set(), 'the node is shutting down:');
        await network.close();
      }
    },
    async drain() {
      if (stopping) return done;
      draining = true;
      try {
        await client.patch(Resources.nodes, undefined, nodeName, { spec: { unschedulable: true } }, 'merge');
        await patchNodeStatus(nodeInformer.cache.get(nodeName));
      } catch (e) {
        log(`drain ${nodeName}: ${errText(e)}`);
      }
      await evictAll(maxGraceMs());
      await lease.delete();
      await client.delete(Resources.nodes, undefined, nodeName).catch(() => undefined);
      if (hostWide) unlockBlock(podCIDR, dataDir);
      if (workers.size === 0) await network.close();
      await stop();
    },
    metrics: () => ({
      pods: workers.size,
      statusWrites: status.writes,
      statusWriteLatenciesMs: [...status.writeLatencies],
      leaseRenewals: lease.renewals,
    }),
    podPids: (ns, name) => workers.get(`${ns}/${name}`)?.pids() ?? [],
    podNetns: (ns, name) => workers.get(`${ns}/${name}`)?.sandboxName(),
  };
}
