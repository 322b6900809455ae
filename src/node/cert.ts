/**
 * The serving certificate of the agent's HTTPS endpoint (container logs):
 * self-signed, ECDSA P-256, made with the openssl CLI, kept in DATA/pki and
 * regenerated when the addresses it must name change.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { isIP } from 'node:net';

export interface ServingCert {
  cert: string;
  key: string;
}

export function ensureServingCert(dir: string, name: string, hosts: string[]): ServingCert {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const crt = join(dir, 'agent.crt');
  const key = join(dir, 'agent.key');
  const sanFile = join(dir, 'agent.san');
  const san = [...new Set(['127.0.0.1', 'localhost', name, ...hosts])].map((h) => (isIP(h) ? `IP:${h}` : `DNS:${h}`)).join(',');
  const prev = existsSync(sanFile) ? readFileSync(sanFile, 'utf8') : '';
  if (!existsSync(crt) || !existsSync(key) || prev !== san) {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', crt, '-days', '3650', '-sha256', '-subj', `/CN=${name}`, '-addext', `subjectAltName=${san}`],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    chmodSync(key, 0o600);
    writeFileSync(sanFile, san);
  }
  return { cert: readFileSync(crt, 'utf8'), key: readFileSync(key, 'utf8') };
}
