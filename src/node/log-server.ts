/**
 * The agent's HTTPS endpoint, the part of the kubelet API the API server
 * needs for `kubectl logs`:
 *
 *   GET /containerLogs/{namespace}/{pod}/{container}
 *       ?follow=&previous=&timestamps=&tailLines=&sinceSeconds=&sinceTime=&limitBytes=
 *
 * Authorization: Bearer <the cluster token>. 200 streams text/plain (chunked,
 * flushed as lines arrive while following). Errors are plain text, like the
 * kubelet's, for the API server to wrap into a Status: 400 for a container
 * that has no such logs (waiting, no previous run) or a bad parameter, 404
 * for an unknown pod or container, 401 without the token. Also GET /healthz
 * (no auth) and GET /pods (the pods this agent runs).
 */
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { stat } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { streamLog } from './logs.ts';
import type { LogTarget } from './pod-worker.ts';

export interface LogSource {
  /** Undefined when the agent has no such pod. */
  target(namespace: string, pod: string, container: string, previous: boolean): LogTarget | { code: number; message: string } | undefined;
  pods(): unknown;
}

export interface LogServerOptions {
  host: string;
  port: number;
  cert: string;
  key: string;
  token?: string;
  source: LogSource;
  log?: (l: string) => void;
}

export interface LogServer {
  port: number;
  close(): Promise<void>;
}

function tokenOk(header: string | undefined, token: string | undefined): boolean {
  if (!token || !header?.startsWith('Bearer ')) return false;
  const got = Buffer.from(header.slice(7).trim());
  const want = Buffer.from(token);
  return got.length === want.length && timingSafeEqual(got, want);
}

function text(res: ServerResponse, code: number, body: string): void {
  res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

class BadParam extends Error {}

function boolParam(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  if (v === null || v === '' || v === 'false' || v === '0') return false;
  if (v === 'true' || v === '1') return true;
  throw new BadParam(`invalid value for ${name}: ${JSON.stringify(v)}: must be true or false`);
}

function intParam(q: URLSearchParams, name: string, min: number): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw new BadParam(`invalid value for ${name}: ${JSON.stringify(v)}: must be an integer`);
  const n = Number(v);
  if (n < min) throw new BadParam(`${name}: Invalid value: ${n}: must be ${min === 0 ? 'greater than or equal to 0' : `greater than ${min - 1}`}`);
  return n;
}

export function startLogServer(o: LogServerOptions): Promise<LogServer> {
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'https://agent');
    if (url.pathname === '/healthz') return text(res, 200, 'ok');
    if (!tokenOk(req.headers['authorization'], o.token)) return text(res, 401, 'Unauthorized');
    if (req.method !== 'GET') return text(res, 405, 'Method Not Allowed');
    if (url.pathname === '/pods') {
      const body = JSON.stringify(o.source.pods());
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(body);
    }
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (parts[0] !== 'containerLogs' || parts.length !== 4) return text(res, 404, `404 page not found`);
    const [, namespace, podName, container] = parts;
    let opts;
    try {
      const q = url.searchParams;
      const sinceSeconds = intParam(q, 'sinceSeconds', 1);
      const sinceTime = q.get('sinceTime');
      if (sinceSeconds !== undefined && sinceTime) throw new BadParam('at most one of sinceTime or sinceSeconds may be specified');
      let sinceMs: number | undefined;
      if (sinceSeconds !== undefined) sinceMs = Date.now() - sinceSeconds * 1000;
      else if (sinceTime) {
        sinceMs = Date.parse(sinceTime);
        if (Number.isNaN(sinceMs)) throw new BadParam(`invalid value for sinceTime: ${JSON.stringify(sinceTime)}: must be an RFC 3339 time`);
      }
      opts = {
        follow: boolParam(q, 'follow'),
        previous: boolParam(q, 'previous'),
        timestamps: boolParam(q, 'timestamps'),
        tailLines: intParam(q, 'tailLines', 0),
        limitBytes: intParam(q, 'limitBytes', 1),
        sinceMs,
      };
    } catch (e) {
      if (e instanceof BadParam) return text(res, 400, e.message);
      throw e;
    }
    const t = o.source.target(namespace, podName, container, opts.previous);
    if (!t) return text(res, 404, `pod ${JSON.stringify(`${namespace}/${podName}`)} does not exist`);
    if ('code' in t) return text(res, t.code, t.message);
    const exists = await stat(t.path).then(
      () => true,
      () => false,
    );
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'transfer-encoding': 'chunked', 'cache-control': 'no-cache' });
    res.flushHeaders();
    if (!exists) return res.end();
    const ac = new AbortController();
    res.on('close', () => ac.abort());
    try {
      await streamLog(t.path, { ...opts, follow: opts.follow && !opts.previous }, (b) => res.write(b), { index: t.index, active: t.active, signal: ac.signal });
    } catch (e) {
      o.log?.(`logs ${namespace}/${podName}/${container}: ${e instanceof Error ? e.message : String(e)}`);
    }
    res.end();
  };
  const server = https.createServer({ cert: o.cert, key: o.key }, (req, res) => {
    handle(req, res).catch((e: unknown) => {
      o.log?.(`agent http: ${e instanceof Error ? e.message : String(e)}`);
      if (!res.headersSent) text(res, 500, 'internal error');
      else res.destroy();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((r) => {
            server.close(() => r());
            server.closeAllConnections();
          }),
      });
    });
  });
}
