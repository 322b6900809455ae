/**
 * A container's environment as the kubelet builds it (kubelet_pods.go
 * makeEnvironmentVariables): service link variables for the Services of the
 * pod's namespace (and the `kubernetes` Service of `default`, always), then
 * the container's `env` in order, each value `$(VAR)`-expanded against the
 * variables declared before it and the service variables, `valueFrom` fieldRef
 * and resourceFieldRef resolved. Pure: every input is passed in.
 */
import type { Container, EnvVar, Pod, Service } from '../api/types.ts';
import { expand, mappingFor } from './expansion.ts';
import { joinHostPort } from '../api/validation/ip.ts';

/** The Services the kubelet puts in every pod ("master services", kubelet_pods.go). */
const MASTER_SERVICE_NAMESPACE = 'default';
const MASTER_SERVICES = new Set(['kubernetes']);

export interface EnvContext {
  pod: Pod;
  podIPs: readonly string[];
  hostIPs: readonly string[];
  /** Every Service the agent knows (any namespace); filtered here. */
  services: readonly Service[];
  /** Node allocatable, for resourceFieldRef without limits ("cpu", "memory", "ephemeral-storage"). */
  nodeAllocatable?: Readonly<Record<string, string>>;
}

/** A reason the environment cannot be built: becomes CreateContainerConfigError. */
export class EnvError extends Error {}

/** envvars.makeEnvVariableName: upper case, dashes to underscores. */
function envName(s: string): string {
  return s.toUpperCase().replace(/-/g, '_');
}

function isServiceIPSet(s: Service): boolean {
  const ip = s.spec?.clusterIP;
  return !!ip && ip !== 'None';
}


/** envvars.FromServices for one Service: HOST, PORT, named ports, Docker link variables. */
export function serviceLinkVars(s: Service): [string, string][] {
  if (!isServiceIPSet(s)) return [];
  const ports = s.spec?.ports ?? [];
  const prefix = envName(s.metadata.name ?? '');
  const ip = s.spec.clusterIP!;
  const out: [string, string][] = [[`${prefix}_SERVICE_HOST`, ip]];
  if (ports.length === 0) return out;
  out.push([`${prefix}_SERVICE_PORT`, String(ports[0].port)]);
  for (const p of ports) if (p.name) out.push([`${prefix}_SERVICE_PORT_${envName(p.name)}`, String(p.port)]);
  ports.forEach((p, i) => {
    const proto = p.protocol || 'TCP';
    const url = `${proto.toLowerCase()}://${joinHostPort(ip, p.port)}`;
    if (i === 0) out.push([`${prefix}_PORT`, url]);
    const pp = `${prefix}_PORT_${p.port}_${proto.toUpperCase()}`;
    out.push([pp, url], [`${pp}_PROTO`, proto.toLowerCase()], [`${pp}_PORT`, String(p.port)], [`${pp}_ADDR`, ip]);
  });
  return out;
}

/**
 * getServiceEnvVarMap: the pod's namespace's Services when enableServiceLinks
 * (default true), plus the master Services of `default` always.
 */
export function serviceEnv(services: readonly Service[], namespace: string, enableServiceLinks: boolean): Map<string, string> {
  const chosen = new Map<string, Service>();
  const sorted = [...services].sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
  for (const s of sorted) {
    if (!isServiceIPSet(s)) continue;
    const name = s.metadata.name ?? '';
    if (s.metadata.namespace === MASTER_SERVICE_NAMESPACE && MASTER_SERVICES.has(name)) {
      if (!chosen.has(name)) chosen.set(name, s);
    } else if (s.metadata.namespace === namespace && enableServiceLinks) {
      chosen.set(name, s);
    }
  }
  const out = new Map<string, string>();
  for (const s of chosen.values()) for (const [k, v] of serviceLinkVars(s)) out.set(k, v);
  return out;
}

function formatMap(m: Readonly<Record<string, string>> | undefined): string {
  // fieldpath.FormatMap: sorted key="value" lines, values quoted with Go's %q.
  return Object.keys(m ?? {})
    .sort()
    .map((k) => `${k}=${JSON.stringify(m![k])}`)
    .join('\n');
}

/** podFieldSelectorRuntimeValue + fieldpath.ExtractFieldPathAsString. */
export function fieldRefValue(fieldPath: string, ctx: EnvContext): string {
  const pod = ctx.pod;
  switch (fieldPath) {
    case 'spec.nodeName':
      return pod.spec.nodeName ?? '';
    case 'spec.serviceAccountName':
      return String(pod.spec['serviceAccountName'] ?? '');
    case 'status.hostIP':
      return ctx.hostIPs[0] ?? '';
    case 'status.hostIPs':
      return ctx.hostIPs.join(',');
    case 'status.podIP':
      return ctx.podIPs[0] ?? '';
    case 'status.podIPs':
      return ctx.podIPs.join(',');
    case 'metadata.name':
      return pod.metadata.name ?? '';
    case 'metadata.namespace':
      return pod.metadata.namespace ?? '';
    case 'metadata.uid':
      return pod.metadata.uid ?? '';
    case 'metadata.labels':
      return formatMap(pod.metadata.labels);
    case 'metadata.annotations':
      return formatMap(pod.metadata.annotations);
  }
  const m = /^metadata\.(labels|annotations)\['([^']*)'\]$/.exec(fieldPath);
  if (m) {
    const map = m[1] === 'labels' ? pod.metadata.labels : pod.metadata.annotations;
    return map?.[m[2]] ?? '';
  }
  throw new EnvError(`unsupported fieldPath: ${fieldPath}`);
}

const BINARY_SUFFIXES: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL_SUFFIXES: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** A resource.Quantity as a number (precision is enough for env values). Throws on bad syntax. */
export function parseQuantity(q: string | number): number {
  if (typeof q === 'number') return q;
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:(Ki|Mi|Gi|Ti|Pi|Ei)|([eE][+-]?\d+)|(n|u|m|k|M|G|T|P|E)?)$/.exec(q.trim());
  if (!m) throw new EnvError(`quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`);
  const n = Number(m[1]);
  if (m[2]) return n * BINARY_SUFFIXES[m[2]];
  if (m[3]) return n * 10 ** Number(m[3].slice(1));
  return n * DECIMAL_SUFFIXES[m[4] ?? ''];
}

/** resourceFieldRef: limits fall back to node allocatable, requests to limits (resource.ExtractContainerResourceValue + MergeContainerResourceLimits). */
function resourceFieldValue(ref: { containerName?: string; resource: string; divisor?: string | number }, container: Container, ctx: EnvContext): string {
  const target = ref.containerName ? ctx.pod.spec.containers.find((c) => c.name === ref.containerName) : container;
  if (!target) throw new EnvError(`container ${JSON.stringify(ref.containerName)} not found`);
  const res = (target['resources'] ?? {}) as { limits?: Record<string, string>; requests?: Record<string, string> };
  const [kind, name] = ref.resource.split('.', 2) as [string, string | undefined];
  if ((kind !== 'limits' && kind !== 'requests') || !name || !['cpu', 'memory', 'ephemeral-storage'].includes(name)) {
    throw new EnvError(`unsupported container resource : ${ref.resource}`);
  }
  const limit = res.limits?.[name] ?? ctx.nodeAllocatable?.[name];
  const raw = kind === 'limits' ? limit : (res.requests?.[name] ?? (name === 'cpu' || name === 'memory' ? res.limits?.[name] : undefined) ?? '0');
  const value = raw === undefined ? 0 : parseQuantity(raw);
  const divisor = parseQuantity(ref.divisor ?? '1') || 1;
  if (name === 'cpu') {
    // convertResourceCPUToString: ceil(milli / divisor milli), at least 1 for a non-zero request.
    return String(Math.ceil(Math.round(value * 1000) / Math.round(divisor * 1000)));
  }
  return String(Math.ceil(value / divisor));
}

function envVarValue(v: EnvVar, container: Container, ctx: EnvContext): string | undefined {
  const from = v.valueFrom!;
  if (from.fieldRef) return fieldRefValue(from.fieldRef.fieldPath, ctx);
  if (from['resourceFieldRef']) return resourceFieldValue(from['resourceFieldRef'] as { resource: string }, container, ctx);
  for (const [key, kind] of [['configMapKeyRef', 'configmap'], ['secretKeyRef', 'secret']] as const) {
    const ref = from[key] as { name?: string; key?: string; optional?: boolean } | undefined;
    if (!ref) continue;
    // This API serves no ConfigMaps or Secrets: an optional reference is skipped, a required one fails as a missing object does.
    if (ref.optional) return undefined;
    throw new EnvError(`${kind} ${JSON.stringify(ref.name ?? '')} not found`);
  }
  throw new EnvError(`env var ${JSON.stringify(v.name)}: unsupported valueFrom source ${Object.keys(from).join(', ')}`);
}

export interface ContainerEnv {
  /** The final environment: base, then service variables, then the container's own (later wins). */
  env: Map<string, string>;
  /** command and args after `$(VAR)` expansion. */
  command: string[];
  args: string[];
}

/**
 * Builds one container's environment, command and args. `base` (PATH, HOME,
 * HOSTNAME) comes first; `injected` (Switchboard's POD_IP) next and, unlike
 * `base`, is also a source for `$(VAR)`; anything the pod declares wins.
 * Throws EnvError for a reference that cannot be resolved.
 */
export function buildContainerEnv(
  container: Container,
  ctx: EnvContext,
  base: ReadonlyMap<string, string> = new Map(),
  injected: ReadonlyMap<string, string> = new Map(),
): ContainerEnv {
  const ns = ctx.pod.metadata.namespace ?? 'default';
  const svcEnv = serviceEnv(ctx.services, ns, ctx.pod.spec.enableServiceLinks !== false);
  const declared = new Map<string, string>();
  const mapping = mappingFor(declared, svcEnv, injected);
  for (const v of container.env ?? []) {
    if (!v || typeof v.name !== 'string' || v.name === '') throw new EnvError('env var with an empty name');
    let value: string | undefined = v.value ?? '';
    if (value !== '') value = expand(value, mapping);
    else if (v.valueFrom) value = envVarValue(v, container, ctx);
    if (value !== undefined) declared.set(v.name, value);
  }
  const env = new Map<string, string>(base);
  for (const [k, v] of injected) env.set(k, v);
  for (const [k, v] of svcEnv) if (!declared.has(k)) env.set(k, v);
  for (const [k, v] of declared) env.set(k, v);
  // ExpandContainerCommandAndArgs maps against the final container environment.
  const all = new Map<string, string>([...injected, ...svcEnv, ...declared]);
  const m = mappingFor(all);
  return {
    env,
    command: (container.command ?? []).map((s) => expand(String(s), m)),
    args: (container.args ?? []).map((s) => expand(String(s), m)),
  };
}
