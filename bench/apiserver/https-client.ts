/**
 * Minimal authenticated HTTPS client for the benchmark workers: the data
 * dir's CA and bearer token, keep-alive sockets, hrtime stamps. Kept thin on
 * purpose so the client's own CPU per request stays small (no JSON parsing
 * unless the caller asks).
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { join } from 'node:path';

export interface Target {
  port: number;
  dataDir: string;
}

export interface Reply {
  status: number;
  body: string;
  /** process.hrtime.bigint() when the request was started / the headers / the last byte arrived. */
  startNs: bigint;
  headersNs: bigint;
  endNs: bigint;
}

export interface ApiClient {
  /** `bodyMode: 'size'` counts the bytes and drops them (big lists). */
  call(method: string, path: string, body?: unknown, opts?: { contentType?: string; bodyMode?: 'text' | 'size' }): Promise<Reply & { size: number }>;
  close(): void;
}

export interface Credentials {
  ca: string;
  token: string;
}

export function credentials(dataDir: string): Credentials {
  return {
    ca: readFileSync(join(dataDir, 'pki/ca.crt'), 'utf8'),
    token: readFileSync(join(dataDir, 'pki/token'), 'utf8').trim(),
  };
}

/** A client whose agent keeps up to `sockets` keep-alive connections. */
export function apiClient(t: Target, sockets: number, creds = credentials(t.dataDir)): ApiClient {
  const agent = new Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets, ca: creds.ca });
  const auth = `Bearer ${creds.token}`;
  return {
    call(method, path, body, opts = {}) {
      const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
      const headers: Record<string, string> = { authorization: auth, accept: 'application/json' };
      if (payload !== undefined) {
        headers['content-type'] = opts.contentType ?? 'application/json';
        headers['content-length'] = String(Buffer.byteLength(payload));
      }
      return new Promise((resolve, reject) => {
        const startNs = process.hrtime.bigint();
        const req = request({ host: '127.0.0.1', port: t.port, path, method, agent, headers }, (res) => {
          const headersNs = process.hrtime.bigint();
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (opts.bodyMode !== 'size') chunks.push(c);
          });
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              body: opts.bodyMode === 'size' ? '' : Buffer.concat(chunks).toString('utf8'),
              size,
              startNs,
              headersNs,
              endNs: process.hrtime.bigint(),
            }),
          );
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end(payload);
      });
    },
    close() {
      agent.destroy();
    },
  };
}

/** Throws with the server's message unless the status is one of `ok`. */
export function expectStatus(r: Reply, ok: readonly number[], what: string): void {
  if (!ok.includes(r.status)) throw new Error(`${what}: HTTP ${r.status}: ${r.body.slice(0, 300)}`);
}

/** The `metadata.resourceVersion` of a JSON object body, without a full parse. */
export function resourceVersionOf(body: string): number {
  const m = /"resourceVersion":"(\d+)"/.exec(body);
  if (!m) throw new Error(`no resourceVersion in ${body.slice(0, 200)}`);
  return Number(m[1]);
}

export const nsToMs = (ns: bigint): number => Number(ns) / 1e6;
