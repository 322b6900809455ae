/**
 * Kubeconfig loading as kubectl does it for the parts Switchboard's
 * components need: $KUBECONFIG (first file that exists) or an explicit path,
 * the current context (or a named one), the cluster's server and CA
 * (certificate-authority-data or a file), insecure-skip-tls-verify, and the
 * user's token, tokenFile or client certificate.
 */
import { readFileSync, existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, delimiter } from 'node:path';
import { parse as parseYaml } from 'yaml';

export interface ClientConfig {
  server: string;
  ca?: string;
  insecureSkipTLSVerify?: boolean;
  token?: string;
  cert?: string;
  key?: string;
  /** The context's namespace, or "default". */
  namespace: string;
  /** Where it was read from (for messages). */
  source: string;
}

interface RawKubeconfig {
  clusters?: { name: string; cluster: Record<string, unknown> }[];
  users?: { name: string; user: Record<string, unknown> }[];
  contexts?: { name: string; context: { cluster: string; user: string; namespace?: string } }[];
  'current-context'?: string;
}

/** The kubeconfig path kubectl would use: explicit, else $KUBECONFIG's first existing entry, else ~/.kube/config. */
export function kubeconfigPath(explicit?: string): string {
  if (explicit) return explicit;
  const env = process.env['KUBECONFIG'];
  if (env) {
    const first = env.split(delimiter).find((p) => p && existsSync(p));
    if (first) return first;
  }
  return join(homedir(), '.kube', 'config');
}

export function loadClientConfig(explicitPath?: string, contextName?: string): ClientConfig {
  const path = kubeconfigPath(explicitPath);
  let raw: RawKubeconfig;
  try {
    raw = parseYaml(readFileSync(path, 'utf8')) as RawKubeconfig;
  } catch (e) {
    throw new Error(`cannot read kubeconfig ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const ctxName = contextName ?? raw['current-context'];
  const ctx = raw.contexts?.find((c) => c.name === ctxName)?.context;
  if (!ctx) throw new Error(`kubeconfig ${path}: context "${ctxName ?? ''}" not found`);
  const cluster = raw.clusters?.find((c) => c.name === ctx.cluster)?.cluster;
  if (!cluster) throw new Error(`kubeconfig ${path}: cluster "${ctx.cluster}" not found`);
  const user = raw.users?.find((u) => u.name === ctx.user)?.user ?? {};
  const rel = (p: unknown) => (typeof p === 'string' ? (isAbsolute(p) ? p : join(dirname(path), p)) : undefined);
  const dataOrFile = (data: unknown, file: unknown): string | undefined => {
    if (typeof data === 'string') return Buffer.from(data, 'base64').toString('utf8');
    const f = rel(file);
    return f ? readFileSync(f, 'utf8') : undefined;
  };
  const server = cluster['server'];
  if (typeof server !== 'string' || !server) throw new Error(`kubeconfig ${path}: cluster "${ctx.cluster}" has no server`);
  const cfg: ClientConfig = { server: server.replace(/\/+$/, ''), namespace: ctx.namespace || 'default', source: path };
  const ca = dataOrFile(cluster['certificate-authority-data'], cluster['certificate-authority']);
  if (ca) cfg.ca = ca;
  if (cluster['insecure-skip-tls-verify'] === true) cfg.insecureSkipTLSVerify = true;
  if (typeof user['token'] === 'string') cfg.token = user['token'];
  else if (typeof user['tokenFile'] === 'string') cfg.token = readFileSync(rel(user['tokenFile'])!, 'utf8').trim();
  const cert = dataOrFile(user['client-certificate-data'], user['client-certificate']);
  const key = dataOrFile(user['client-key-data'], user['client-key']);
  if (cert && key) {
    cfg.cert = cert;
    cfg.key = key;
  }
  return cfg;
}
