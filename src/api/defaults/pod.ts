/**
 * Pod defaulting: Kubernetes v1.33 SetObjectDefaults_Pod
 * (pkg/apis/core/v1/zz_generated.defaults.go), i.e. SetDefaults_Pod,
 * SetDefaults_PodSpec, SetDefaults_Container, SetDefaults_Probe,
 * SetDefaults_HTTPGetAction, SetDefaults_ObjectFieldSelector, the volume
 * source defaults and the declarative ones (container port protocol TCP,
 * grpc probe service ""), all in pkg/apis/core/v1/defaults.go. Applied by
 * the API server to every pod it decodes (create and update).
 *
 * Contract: mutates in place, idempotent, never throws, tolerates malformed
 * input (validation reports it afterwards). Go zero values count as unset:
 * 0 for the probe integers, "" for strings; pointer fields (enableServiceLinks,
 * terminationGracePeriodSeconds, securityContext) only when absent.
 * Not here: fields set by admission plugins in a real cluster (tolerations
 * from DefaultTolerationSeconds, priority, serviceAccountName) and
 * status.qosClass (the pod strategy's PrepareForCreate).
 */
import type { Pod } from '../types.ts';

/** v1.DefaultTerminationGracePeriodSeconds. */
export const DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30;
/** v1.TerminationMessagePathDefault. */
export const TERMINATION_MESSAGE_PATH_DEFAULT = '/dev/termination-log';
/** v1.DefaultSchedulerName. */
export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';
/** SetDefaults_Probe: timeoutSeconds, periodSeconds, successThreshold, failureThreshold. */
export const PROBE_DEFAULTS = { timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 } as const;
/** Secret, ConfigMap, DownwardAPI and Projected volume defaultMode (0644). */
const VOLUME_DEFAULT_MODE = 0o644;

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Go's "field == zero value" for a JSON field that may be absent. */
function unset(v: unknown): boolean {
  return v === undefined || v === null || v === '' || v === 0;
}

function objects(v: unknown): Obj[] {
  return Array.isArray(v) ? v.filter(isObject) : [];
}

/**
 * The tag parsers.ParseImageName finds: the explicit tag, "latest" when there
 * is neither tag nor digest, undefined when the reference does not parse
 * (empty, whitespace, upper case in the repository path).
 */
export function imageTag(image: unknown): string | undefined {
  if (typeof image !== 'string' || image === '' || /\s/.test(image)) return undefined;
  const at = image.indexOf('@');
  const named = at >= 0 ? image.slice(0, at) : image;
  const digest = at >= 0 ? image.slice(at + 1) : '';
  const slash = named.lastIndexOf('/');
  const colon = named.lastIndexOf(':');
  const hasTag = colon > slash;
  const repo = hasTag ? named.slice(0, colon) : named;
  const tag = hasTag ? named.slice(colon + 1) : '';
  if (repo === '' || (hasTag && !/^\w[\w.-]{0,127}$/.test(tag))) return undefined;
  // The first component is a registry host when it has a dot or a port or is localhost; only the path must be lower case.
  const parts = repo.split('/');
  const path = parts.length > 1 && /[.:]|^localhost$/.test(parts[0]!) ? parts.slice(1) : parts;
  if (path.some((c) => !/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/.test(c))) return undefined;
  return tag || (digest ? '' : 'latest');
}

/** SetDefaults_Container: Always for :latest (or no tag), IfNotPresent otherwise. */
export function defaultPullPolicy(image: unknown): 'Always' | 'IfNotPresent' {
  return imageTag(image) === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultHTTPGet(h: unknown): void {
  if (!isObject(h)) return;
  if (!h['path']) h['path'] = '/';
  if (!h['scheme']) h['scheme'] = 'HTTP';
}

function defaultProbe(p: unknown): void {
  if (!isObject(p)) return;
  for (const [k, v] of Object.entries(PROBE_DEFAULTS)) if (unset(p[k])) p[k] = v;
  defaultHTTPGet(p['httpGet']);
  // GRPCAction.Service: +default="".
  if (isObject(p['grpc']) && (p['grpc']['service'] === undefined || p['grpc']['service'] === null)) p['grpc']['service'] = '';
}

function defaultContainer(c: Obj, hostNetwork: boolean): void {
  if (!c['imagePullPolicy']) c['imagePullPolicy'] = defaultPullPolicy(c['image']);
  if (!c['terminationMessagePath']) c['terminationMessagePath'] = TERMINATION_MESSAGE_PATH_DEFAULT;
  if (!c['terminationMessagePolicy']) c['terminationMessagePolicy'] = 'File';
  for (const port of objects(c['ports'])) {
    if (!port['protocol']) port['protocol'] = 'TCP';
    // defaultHostNetworkPorts: with host networking every container port is a host port.
    if (hostNetwork && unset(port['hostPort'])) port['hostPort'] = port['containerPort'];
  }
  for (const e of objects(c['env'])) {
    const ref = isObject(e['valueFrom']) ? e['valueFrom']['fieldRef'] : undefined;
    if (isObject(ref) && !ref['apiVersion']) ref['apiVersion'] = 'v1';
  }
  for (const k of ['livenessProbe', 'readinessProbe', 'startupProbe'] as const) defaultProbe(c[k]);
  const lc = c['lifecycle'];
  if (isObject(lc)) for (const h of [lc['postStart'], lc['preStop']]) if (isObject(h)) defaultHTTPGet(h['httpGet']);
}

/** SetDefaults_Pod: requests default to limits, per resource (regular and init containers). */
function defaultRequests(c: Obj): void {
  const res = c['resources'];
  if (!isObject(res) || !isObject(res['limits'])) return;
  const req = isObject(res['requests']) ? res['requests'] : (res['requests'] = {});
  for (const [k, v] of Object.entries(res['limits'])) if (!(k in req)) req[k] = v;
}

function defaultVolume(v: Obj): void {
  const sources = Object.keys(v).filter((k) => k !== 'name');
  // SetDefaults_Volume: no source at all means an emptyDir.
  if (sources.length === 0) v['emptyDir'] = {};
  for (const k of ['secret', 'configMap', 'downwardAPI', 'projected']) {
    const s = v[k];
    if (isObject(s) && (s['defaultMode'] === undefined || s['defaultMode'] === null)) s['defaultMode'] = VOLUME_DEFAULT_MODE;
  }
  // SetDefaults_HostPathVolumeSource: type "" (HostPathUnset).
  if (isObject(v['hostPath']) && (v['hostPath']['type'] === undefined || v['hostPath']['type'] === null)) v['hostPath']['type'] = '';
  const fieldRefs = [
    ...objects(isObject(v['downwardAPI']) ? v['downwardAPI']['items'] : undefined),
    ...objects(isObject(v['projected']) ? v['projected']['sources'] : undefined).flatMap((s) => objects(isObject(s['downwardAPI']) ? s['downwardAPI']['items'] : undefined)),
  ];
  for (const item of fieldRefs) if (isObject(item['fieldRef']) && !item['fieldRef']['apiVersion']) item['fieldRef']['apiVersion'] = 'v1';
  for (const s of objects(isObject(v['projected']) ? v['projected']['sources'] : undefined)) {
    const t = s['serviceAccountToken'];
    if (isObject(t) && (t['expirationSeconds'] === undefined || t['expirationSeconds'] === null)) t['expirationSeconds'] = 3600;
  }
}

export function defaultPod(pod: Pod): void {
  if (!isObject(pod.spec)) return;
  const spec = pod.spec as unknown as Obj;
  const hostNetwork = spec['hostNetwork'] === true;
  const regular = [...objects(spec['initContainers']), ...objects(spec['containers'])];
  // SetDefaults_Pod (only on a Pod, not on pod templates).
  for (const c of regular) defaultRequests(c);
  if (typeof spec['enableServiceLinks'] !== 'boolean') spec['enableServiceLinks'] = true;
  // SetDefaults_PodSpec.
  if (!spec['dnsPolicy']) spec['dnsPolicy'] = 'ClusterFirst';
  if (!spec['restartPolicy']) spec['restartPolicy'] = 'Always';
  if (!isObject(spec['securityContext'])) spec['securityContext'] = {};
  if (spec['terminationGracePeriodSeconds'] === undefined || spec['terminationGracePeriodSeconds'] === null) spec['terminationGracePeriodSeconds'] = DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS;
  if (!spec['schedulerName']) spec['schedulerName'] = DEFAULT_SCHEDULER_NAME;
  for (const v of objects(spec['volumes'])) defaultVolume(v);
  for (const c of regular) defaultContainer(c, hostNetwork);
  // Ephemeral containers: SetDefaults_EphemeralContainer (no host ports: they may not have ports).
  for (const c of objects(spec['ephemeralContainers'])) defaultContainer(c, false);
}
