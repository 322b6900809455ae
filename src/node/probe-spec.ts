/**
 * Probes as the kubelet runs them: Kubernetes' defaults (SetDefaults_Probe,
 * SetDefaults_HTTPGetAction), validation (validateProbe, validateHandler) and
 * port resolution (probe.ResolveContainerPort), turned into one resolved,
 * ready-to-run description. The API server here does not validate probes, so
 * the agent does it before starting the container and reports a bad probe as
 * a CreateContainerConfigError. Pure.
 */
import type { Container, Probe } from '../api/types.ts';

export type ProbeKind = 'readiness' | 'liveness' | 'startup';

export type ProbeAction =
  | { type: 'http'; scheme: 'http' | 'https'; host?: string; port: number; path: string; headers: [string, string][] }
  | { type: 'tcp'; host?: string; port: number }
  | { type: 'exec'; command: string[] }
  | { type: 'grpc'; port: number; service: string };

export interface ResolvedProbe {
  kind: ProbeKind;
  action: ProbeAction;
  initialDelaySeconds: number;
  timeoutSeconds: number;
  periodSeconds: number;
  successThreshold: number;
  failureThreshold: number;
  /** Probe-level terminationGracePeriodSeconds (liveness and startup only). */
  terminationGracePeriodSeconds?: number;
}

export class ProbeSpecError extends Error {}

const FIELD: Record<ProbeKind, string> = { readiness: 'readinessProbe', liveness: 'livenessProbe', startup: 'startupProbe' };

/** validation.IsValidPortName (IANA_SVC_NAME). */
export function isValidPortName(s: string): boolean {
  return s.length >= 1 && s.length <= 15 && /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(s) && /[a-z]/.test(s) && !s.includes('--');
}

function intField(probe: Probe, name: keyof Probe, dflt: number, path: string, min: number): number {
  const v = probe[name];
  if (v === undefined || v === null || v === 0) return v === 0 && min === 0 ? 0 : dflt;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new ProbeSpecError(`${path}.${name}: Invalid value: ${JSON.stringify(v)}: must be an integer`);
  if (v < min) throw new ProbeSpecError(`${path}.${name}: Invalid value: ${v}: must be greater than or equal to ${min}`);
  return v;
}

/** probe.ResolveContainerPort with validation's messages: a number 1..65535, or a named container port. */
export function resolvePort(port: unknown, container: Container, path: string): number {
  if (typeof port === 'number') {
    if (Number.isInteger(port) && port >= 1 && port <= 65535) return port;
    throw new ProbeSpecError(`${path}: Invalid value: ${port}: must be between 1 and 65535, inclusive`);
  }
  if (typeof port === 'string' && port !== '') {
    if (/^\d+$/.test(port)) return resolvePort(Number(port), container, path);
    if (!isValidPortName(port)) {
      throw new ProbeSpecError(`${path}: Invalid value: ${JSON.stringify(port)}: must be a valid port name (IANA_SVC_NAME: at most 15 lower-case letters, digits and '-', with a letter)`);
    }
    const found = (container.ports ?? []).find((p) => p.name === port);
    if (!found) throw new ProbeSpecError(`${path}: Invalid value: ${JSON.stringify(port)}: no port named ${JSON.stringify(port)} in container ${JSON.stringify(container.name)}`);
    return resolvePort(found.containerPort, container, path);
  }
  throw new ProbeSpecError(`${path}: Required value: a port number or name is required`);
}

/** Defaults, validates and resolves one probe. Throws ProbeSpecError with a field-path message. */
export function resolveProbe(kind: ProbeKind, probe: Probe, container: Container): ResolvedProbe {
  const path = `spec.containers{${container.name}}.${FIELD[kind]}`;
  if (!probe || typeof probe !== 'object') throw new ProbeSpecError(`${path}: Invalid value: must be an object`);
  const handlers = (['httpGet', 'tcpSocket', 'exec', 'grpc'] as const).filter((h) => probe[h] !== undefined && probe[h] !== null);
  if (handlers.length === 0) throw new ProbeSpecError(`${path}: Required value: must specify a handler type`);
  if (handlers.length > 1) throw new ProbeSpecError(`${path}.${handlers[1]}: Forbidden: may not specify more than 1 handler type`);
  let action: ProbeAction;
  if (probe.httpGet) {
    const h = probe.httpGet;
    const scheme = (h.scheme ?? 'HTTP').toUpperCase();
    if (scheme !== 'HTTP' && scheme !== 'HTTPS') throw new ProbeSpecError(`${path}.httpGet.scheme: Unsupported value: ${JSON.stringify(h.scheme)}: supported values: "HTTP", "HTTPS"`);
    const headers: [string, string][] = [];
    for (const [i, hd] of (h.httpHeaders ?? []).entries()) {
      if (!hd?.name || !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(hd.name)) throw new ProbeSpecError(`${path}.httpGet.httpHeaders[${i}].name: Invalid value: ${JSON.stringify(hd?.name ?? '')}: a valid HTTP header must consist of alphanumeric characters or '-'`);
      headers.push([hd.name, String(hd.value ?? '')]);
    }
    const p = h.path ?? '/';
    action = {
      type: 'http',
      scheme: scheme === 'HTTPS' ? 'https' : 'http',
      host: h.host || undefined,
      port: resolvePort(h.port, container, `${path}.httpGet.port`),
      path: p.startsWith('/') ? p : `/${p}`,
      headers,
    };
  } else if (probe.tcpSocket) {
    action = { type: 'tcp', host: probe.tcpSocket.host || undefined, port: resolvePort(probe.tcpSocket.port, container, `${path}.tcpSocket.port`) };
  } else if (probe.exec) {
    const cmd = probe.exec.command;
    if (!Array.isArray(cmd) || cmd.length === 0) throw new ProbeSpecError(`${path}.exec.command: Required value`);
    action = { type: 'exec', command: cmd.map(String) };
  } else {
    const g = probe.grpc!;
    if (typeof g.port !== 'number') throw new ProbeSpecError(`${path}.grpc.port: Invalid value: ${JSON.stringify(g.port)}: must be a port number (gRPC probes take no port names)`);
    action = { type: 'grpc', port: resolvePort(g.port, container, `${path}.grpc.port`), service: g.service ?? '' };
  }
  const r: ResolvedProbe = {
    kind,
    action,
    initialDelaySeconds: intField(probe, 'initialDelaySeconds', 0, path, 0),
    timeoutSeconds: intField(probe, 'timeoutSeconds', 1, path, 1),
    periodSeconds: intField(probe, 'periodSeconds', 10, path, 1),
    successThreshold: intField(probe, 'successThreshold', 1, path, 1),
    failureThreshold: intField(probe, 'failureThreshold', 3, path, 1),
  };
  if (kind !== 'readiness' && r.successThreshold !== 1) throw new ProbeSpecError(`${path}.successThreshold: Invalid value: ${r.successThreshold}: must be 1`);
  const tgps = probe.terminationGracePeriodSeconds;
  if (tgps !== undefined && tgps !== null) {
    if (kind === 'readiness') throw new ProbeSpecError(`${path}.terminationGracePeriodSeconds: Invalid value: ${tgps}: must not be set for readinessProbes`);
    if (!Number.isInteger(tgps) || tgps <= 0) throw new ProbeSpecError(`${path}.terminationGracePeriodSeconds: Invalid value: ${tgps}: must be greater than 0`);
    r.terminationGracePeriodSeconds = tgps;
  }
  return r;
}

/** Every probe of a container, resolved; throws the first problem. */
export function resolveContainerProbes(container: Container): ResolvedProbe[] {
  const out: ResolvedProbe[] = [];
  if (container.startupProbe) out.push(resolveProbe('startup', container.startupProbe, container));
  if (container.livenessProbe) out.push(resolveProbe('liveness', container.livenessProbe, container));
  if (container.readinessProbe) out.push(resolveProbe('readiness', container.readinessProbe, container));
  return out;
}

/**
 * The consecutive-results state machine of a probe worker (prober/worker.go):
 * the reported result flips only after successThreshold successes or
 * failureThreshold failures in a row. Pure.
 */
export interface ProbeCounter {
  /** Current reported result; readiness starts at failure, liveness at success, startup unknown. */
  result: 'success' | 'failure' | 'unknown';
  run: number;
  last?: 'success' | 'failure';
}

export function initialProbeCounter(kind: ProbeKind): ProbeCounter {
  return { result: kind === 'readiness' ? 'failure' : kind === 'liveness' ? 'success' : 'unknown', run: 0 };
}

export function nextProbeCounter(c: ProbeCounter, outcome: 'success' | 'failure', p: Pick<ResolvedProbe, 'successThreshold' | 'failureThreshold'>): ProbeCounter {
  const run = c.last === outcome ? c.run + 1 : 1;
  const threshold = outcome === 'success' ? p.successThreshold : p.failureThreshold;
  const result = c.result !== outcome && run >= threshold ? outcome : c.result;
  return { result, run, last: outcome };
}
