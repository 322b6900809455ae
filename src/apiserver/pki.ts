/**
 * First-start security material: a CA, a serving certificate for the API
 * server's addresses signed by it, a random bearer token, and an admin
 * kubeconfig (mode 0600). Generated with the openssl CLI (ECDSA P-256) and
 * reused on later starts.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { isIP } from 'node:net';
import { stringify as toYaml } from 'yaml';

export interface Pki {
  caCert: string;
  cert: string;
  key: string;
  token: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Loads the PKI from dir/pki, creating it on first start. `hosts` go into the serving cert's SANs. */
export function ensurePki(dataDir: string, hosts: string[]): Pki {
  const dir = join(dataDir, 'pki');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const f = (n: string) => join(dir, n);
  if (!existsSync(f('ca.crt')) || !existsSync(f('ca.key'))) {
    openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key'], dir);
    openssl(['req', '-x509', '-new', '-key', 'ca.key', '-sha256', '-days', '3650', '-subj', '/CN=switchboard-ca', '-out', 'ca.crt'], dir);
    chmodSync(f('ca.key'), 0o600);
  }
  const sanList = [...new Set(['127.0.0.1', 'localhost', ...hosts])]
    .map((h) => (isIP(h) ? `IP:${h}` : `DNS:${h}`))
    .join(',');
  const sanFile = f('apiserver.san');
  const prevSan = existsSync(sanFile) ? readFileSync(sanFile, 'utf8') : '';
  if (!existsSync(f('apiserver.crt')) || prevSan !== sanList) {
    openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'apiserver.key'], dir);
    openssl(['req', '-new', '-key', 'apiserver.key', '-subj', '/CN=switchboard-apiserver', '-out', 'apiserver.csr'], dir);
    writeFileSync(f('ext.cnf'), `subjectAltName=${sanList}\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature,keyEncipherment\n`);
    openssl(
      ['x509', '-req', '-in', 'apiserver.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '3650', '-sha256', '-extfile', 'ext.cnf', '-out', 'apiserver.crt'],
      dir,
    );
    chmodSync(f('apiserver.key'), 0o600);
    writeFileSync(sanFile, sanList);
  }
  if (!existsSync(f('token'))) {
    writeFileSync(f('token'), randomBytes(32).toString('base64url'), { mode: 0o600 });
  }
  return {
    caCert: readFileSync(f('ca.crt'), 'utf8'),
    cert: readFileSync(f('apiserver.crt'), 'utf8'),
    key: readFileSync(f('apiserver.key'), 'utf8'),
    token: readFileSync(f('token'), 'utf8').trim(),
  };
}

/** Constant-time bearer token check. */
export function tokenMatches(header: string | undefined, token: string): boolean {
  if (!header?.startsWith('Bearer ')) return false;
  const got = Buffer.from(header.slice(7).trim());
  const want = Buffer.from(token);
  return got.length === want.length && timingSafeEqual(got, want);
}

/** Writes an admin kubeconfig (mode 0600) and returns its path. */
export function writeKubeconfig(path: string, server: string, pki: Pki, name = 'switchboard'): string {
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server, 'certificate-authority-data': Buffer.from(pki.caCert).toString('base64') } }],
    users: [{ name: `${name}-admin`, user: { token: pki.token } }],
    contexts: [{ name, context: { cluster: name, user: `${name}-admin`, namespace: 'default' } }],
    'current-context': name,
    preferences: {},
  };
  writeFileSync(path, toYaml(doc), { mode: 0o600 });
  chmodSync(path, 0o600);
  return path;
}
