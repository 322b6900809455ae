/**
 * The pod status the kubelet would write (kubelet_pods.go generateAPIPodStatus,
 * getPhase; pkg/kubelet/status/generate.go), from the agent's view of the
 * pod's sandbox and containers. Condition order, reasons and messages follow
 * Kubernetes v1.33; a condition keeps its lastTransitionTime while its status
 * does not change. Pure and deterministic.
 */
import type { Condition, Container, ContainerState, ContainerStatus, Pod, PodStatus } from '../api/types.ts';

/** What the agent knows about one container. */
export interface ContainerView {
  name: string;
  restartCount: number;
  state: ContainerState;
  lastState: ContainerState;
  ready: boolean;
  started: boolean;
  containerID?: string;
}

export interface PodView {
  /** Sandbox (IP, network namespace) set up: PodReadyToStartContainers. */
  sandboxReady: boolean;
  podIPs: readonly string[];
  hostIPs: readonly string[];
  startTime?: string;
  init: readonly ContainerView[];
  containers: readonly ContainerView[];
  /** No container will run again (deleted and stopped, or finished). */
  terminal: boolean;
  /** Pod-level reason and message (e.g. graceful node shutdown). */
  reason?: string;
  message?: string;
  /** Extra conditions the kubelet owns at the moment (DisruptionTarget). */
  extraConditions?: readonly Condition[];
}

/** Conditions the kubelet writes; any other condition type is left as it is in the API. */
export const KUBELET_CONDITIONS = new Set(['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled']);

function goList(names: readonly string[]): string {
  return `[${names.join(' ')}]`;
}

function isRestartableInit(c: Container): boolean {
  return c.restartPolicy === 'Always';
}

/** getPhase (kubelet_pods.go), without sidecar subtleties. */
export function podPhase(pod: Pod, init: readonly ContainerView[], containers: readonly ContainerView[], podIsTerminal: boolean): NonNullable<PodStatus['phase']> {
  const spec = pod.spec;
  let pendingInit = 0;
  let failedInit = 0;
  const byName = (list: readonly ContainerView[], n: string) => list.find((c) => c.name === n);
  for (const c of spec.initContainers ?? []) {
    if (isRestartableInit(c)) continue;
    const s = byName(init, c.name);
    if (!s) {
      pendingInit++;
      continue;
    }
    if (s.state.running) pendingInit++;
    else if (s.state.terminated) {
      if (s.state.terminated.exitCode !== 0) failedInit++;
    } else if (s.state.waiting) {
      if (s.lastState.terminated) {
        if (s.lastState.terminated.exitCode !== 0) failedInit++;
      } else pendingInit++;
    } else pendingInit++;
  }
  let unknown = 0;
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const c of spec.containers) {
    const s = byName(containers, c.name);
    if (!s) {
      unknown++;
      continue;
    }
    if (s.state.running) running++;
    else if (s.state.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.state.waiting) {
      if (s.lastState.terminated) stopped++;
      else waiting++;
    } else unknown++;
  }
  const policy = spec.restartPolicy ?? 'Always';
  if (failedInit > 0 && policy === 'Never') return 'Failed';
  if (pendingInit > 0) return podIsTerminal ? 'Failed' : 'Pending';
  if (waiting > 0) return podIsTerminal ? 'Failed' : 'Pending';
  if (running > 0 && unknown === 0) return 'Running';
  if (running === 0 && stopped > 0 && unknown === 0) {
    if (podIsTerminal) return stopped === succeeded ? 'Succeeded' : 'Failed';
    if (policy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (policy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

function statusOf(v: ContainerView, image: string | undefined): ContainerStatus {
  const s: ContainerStatus = {
    name: v.name,
    state: v.state,
    lastState: v.lastState,
    ready: v.ready,
    restartCount: v.restartCount,
    image: image ?? '',
    imageID: '',
    started: v.started,
  };
  if (v.containerID) s.containerID = v.containerID;
  return s;
}

/** qos.GetPodQOS, reduced to cpu and memory. */
export function podQOSClass(pod: Pod): 'BestEffort' | 'Burstable' | 'Guaranteed' {
  let any = false;
  let guaranteed = true;
  for (const c of [...pod.spec.containers, ...(pod.spec.initContainers ?? [])]) {
    const r = (c['resources'] ?? {}) as { limits?: Record<string, unknown>; requests?: Record<string, unknown> };
    for (const res of ['cpu', 'memory']) {
      const lim = r.limits?.[res];
      const req = r.requests?.[res] ?? lim;
      if (lim !== undefined || req !== undefined) any = true;
      if (lim === undefined || String(req) !== String(lim)) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

function cond(type: string, status: boolean, reason?: string, message?: string): Condition {
  const c: Condition = { type, status: status ? 'True' : 'False' };
  if (reason) c.reason = reason;
  if (message) c.message = message;
  return c;
}

function containersReady(pod: Pod, views: readonly ContainerView[], phase: string): Condition {
  if (phase === 'Succeeded') return cond('ContainersReady', false, 'PodCompleted');
  if (phase === 'Failed') return cond('ContainersReady', false, 'PodFailed');
  const unknown: string[] = [];
  const unready: string[] = [];
  for (const c of pod.spec.containers) {
    const v = views.find((x) => x.name === c.name);
    if (!v) unknown.push(c.name);
    else if (!v.ready) unready.push(c.name);
  }
  const msgs: string[] = [];
  if (unknown.length) msgs.push(`containers with unknown status: ${goList(unknown)}`);
  if (unready.length) msgs.push(`containers with unready status: ${goList(unready)}`);
  return msgs.length ? cond('ContainersReady', false, 'ContainersNotReady', msgs.join(', ')) : cond('ContainersReady', true);
}

function initialized(pod: Pod, init: readonly ContainerView[], containers: readonly ContainerView[], phase: string): Condition {
  const unknown: string[] = [];
  const incomplete: string[] = [];
  for (const c of pod.spec.initContainers ?? []) {
    const v = init.find((x) => x.name === c.name);
    if (!v) unknown.push(c.name);
    else if (isRestartableInit(c) ? !v.started : !v.state.terminated || v.state.terminated.exitCode !== 0) incomplete.push(c.name);
  }
  if (phase === 'Succeeded' && unknown.length === 0) return cond('Initialized', true, 'PodCompleted');
  if (containers.some((v) => v.started || v.state.running || v.state.terminated || v.lastState.terminated)) return cond('Initialized', true);
  const msgs: string[] = [];
  if (unknown.length) msgs.push(`containers with unknown status: ${goList(unknown)}`);
  if (incomplete.length) msgs.push(`containers with incomplete status: ${goList(incomplete)}`);
  return msgs.length ? cond('Initialized', false, 'ContainersNotInitialized', msgs.join(', ')) : cond('Initialized', true);
}

function ready(pod: Pod, cr: Condition, others: readonly Condition[]): Condition {
  if (cr.status !== 'True') return { ...cr, type: 'Ready' };
  const msgs: string[] = [];
  for (const g of (pod.spec['readinessGates'] ?? []) as { conditionType: string }[]) {
    const c = others.find((x) => x.type === g.conditionType);
    if (!c) msgs.push(`corresponding condition of pod readiness gate ${JSON.stringify(g.conditionType)} does not exist.`);
    else if (c.status !== 'True') msgs.push(`the status of pod readiness gate ${JSON.stringify(g.conditionType)} is not "True", but ${c.status}`);
  }
  return msgs.length ? cond('Ready', false, 'ReadinessGatesNotReady', msgs.join(', ')) : cond('Ready', true);
}

/**
 * The full status to write. Conditions not owned by the kubelet (readiness
 * gates, DisruptionTarget set by others) are kept from the current status;
 * lastTransitionTime is carried over while a condition's status is unchanged.
 */
export function planPodStatus(pod: Pod, view: PodView, now: string): PodStatus {
  const old = pod.status ?? {};
  const phase = podPhase(pod, view.init, view.containers, view.terminal);
  const others = (old.conditions ?? []).filter((c) => !KUBELET_CONDITIONS.has(c.type) && !(view.extraConditions ?? []).some((e) => e.type === c.type));
  const cr = containersReady(pod, view.containers, phase);
  const fresh: Condition[] = [
    ...(view.extraConditions ?? []),
    cond('PodReadyToStartContainers', view.sandboxReady),
    initialized(pod, view.init, view.containers, phase),
    ready(pod, cr, others),
    cr,
    cond('PodScheduled', true),
  ];
  const conditions = [...fresh, ...others].map((c) => {
    if (!KUBELET_CONDITIONS.has(c.type) && others.includes(c)) return c;
    const prev = (old.conditions ?? []).find((o) => o.type === c.type);
    return {
      ...c,
      lastProbeTime: null,
      lastTransitionTime: prev && prev.status === c.status && prev.lastTransitionTime ? prev.lastTransitionTime : (c.lastTransitionTime ?? now),
    };
  });
  const images = new Map([...pod.spec.containers, ...(pod.spec.initContainers ?? [])].map((c) => [c.name, c.image]));
  const status: PodStatus = {
    phase,
    conditions,
    hostIP: view.hostIPs[0],
    hostIPs: view.hostIPs.map((ip) => ({ ip })),
    podIP: view.podIPs[0],
    podIPs: view.podIPs.map((ip) => ({ ip })),
    startTime: view.startTime,
    containerStatuses: [...view.containers].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((v) => statusOf(v, images.get(v.name))),
  };
  if (view.init.length) status.initContainerStatuses = view.init.map((v) => statusOf(v, images.get(v.name)));
  if (!view.podIPs.length) {
    delete status.podIP;
    delete status.podIPs;
  }
  if (!view.hostIPs.length) {
    delete status.hostIP;
    delete status.hostIPs;
  }
  if (!view.startTime) delete status.startTime;
  if (view.reason) status.reason = view.reason;
  if (view.message) status.message = view.message;
  (status as Record<string, unknown>)['qosClass'] = podQOSClass(pod);
  return status;
}

/** JSON with object keys sorted, so equal values compare equal whatever their key order. */
export function canonicalJSON(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(Object.keys(x as object).sort().map((k) => [k, (x as Record<string, unknown>)[k]]))
      : x,
  );
}

/** The fields of a status the agent owns, normalized for comparison (what a write would change). */
export function comparableStatus(s: PodStatus | undefined): string {
  if (!s) return '';
  const conditions = (s.conditions ?? [])
    .filter((c) => KUBELET_CONDITIONS.has(c.type) || c.type === 'DisruptionTarget')
    .map((c) => [c.type, c.status, c.reason ?? '', c.message ?? '', c.lastTransitionTime ?? '']);
  return canonicalJSON([
    s.phase,
    conditions,
    s.hostIP ?? '',
    (s.hostIPs ?? []).map((x) => x.ip),
    s.podIP ?? '',
    (s.podIPs ?? []).map((x) => x.ip),
    s.startTime ?? '',
    s.containerStatuses ?? [],
    s.initContainerStatuses ?? [],
    s.reason ?? '',
    s.message ?? '',
  ]);
}
