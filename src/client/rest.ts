/**
 * A small typed REST client for any conformant Kubernetes API server (this
 * project's or a real one): JSON over HTTPS with the kubeconfig's CA and
 * token, keep-alive, Status errors as ApiError, and streaming watches.
 */
import http from 'node:http';
import https from 'node:https';
import type { KubeObject, KubeList, Status } from '../api/types.ts';
import { ApiError, statusError } from '../api/status.ts';
import type { ClientConfig } from './kubeconfig.ts';

/** What the client needs to know about a resource to build its URLs. */
export interface ResourceRef {
  group: string;
  version: string;
  /** Plural, e.g. "services". */
  resource: string;
  namespaced: boolean;
}

export interface ListQuery {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
}

export interface WatchQuery extends ListQuery {
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
}

export interface WatchEventOf<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

export interface WatchStream {
  /** Resolves when the stream ends (server closed, error, or stop()). */
  done: Promise<void>;
  stop(): void;
}

export function resourcePath(r: ResourceRef, namespace?: string, name?: string, sub?: string): string {
  const base = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  let p = base;
  if (r.namespaced && namespace) p += `/namespaces/${encodeURIComponent(namespace)}`;
  p += `/${r.resource}`;
  if (name) p += `/${encodeURIComponent(name)}`;
  if (sub) p += `/${sub}`;
  return p;
}

function query(q: object): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined || v === '' || v === false) continue;
    parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

export class RestClient {
  private readonly agent: http.Agent;
  private readonly base: URL;
  readonly namespace: string;
  userAgent = 'switchboard/0.1';

  constructor(private readonly cfg: ClientConfig) {
    this.base = new URL(cfg.server);
    this.namespace = cfg.namespace;
    const tls = this.base.protocol === 'https:';
    this.agent = tls
      ? new https.Agent({ keepAlive: true, maxSockets: 32, ca: cfg.ca, cert: cfg.cert, key: cfg.key, rejectUnauthorized: !cfg.insecureSkipTLSVerify })
      : new http.Agent({ keepAlive: true, maxSockets: 32 });
  }

  close(): void {
    this.agent.destroy();
  }

  private open(method: string, path: string, headers: Record<string, string>, onResponse: (res: http.IncomingMessage) => void): http.ClientRequest {
    const tls = this.base.protocol === 'https:';
    const h: Record<string, string> = { 'user-agent': this.userAgent, accept: 'application/json', ...headers };
    if (this.cfg.token) h['authorization'] = `Bearer ${this.cfg.token}`;
    const opts = { method, host: this.base.hostname.replace(/^\[|\]$/g, ''), port: this.base.port || (tls ? 443 : 80), path, agent: this.agent, headers: h };
    return tls ? https.request(opts, onResponse) : http.request(opts, onResponse);
  }

  /** One request; resolves the parsed JSON body, rejects with ApiError for non-2xx. */
  async request<T = unknown>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    try {
      return await this.requestOnce<T>(method, path, body, contentType);
    } catch (e) {
      // A keep-alive socket the server closed (e.g. it restarted) fails before
      // the request reached it: retry once on a fresh connection.
      if ((e as { reusedSocket?: boolean }).reusedSocket) return this.requestOnce<T>(method, path, body, contentType);
      throw e;
    }
  }

  private requestOnce<T>(method: string, path: string, body: unknown, contentType: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
      const headers: Record<string, string> = {};
      if (text !== undefined) {
        headers['content-type'] = contentType;
        headers['content-length'] = String(Buffer.byteLength(text));
      }
      const req = this.open(method, path, headers, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          const code = res.statusCode ?? 0;
          let parsed: unknown;
          try {
            parsed = raw ? JSON.parse(raw) : undefined;
          } catch {
            parsed = undefined;
          }
          if (code >= 200 && code < 300) return resolve(parsed as T);
          const st = parsed as Status | undefined;
          if (st && st.kind === 'Status') return reject(new ApiError({ ...st, code: st.code || code }));
          reject(statusError(code, undefined, `${method} ${path}: HTTP ${code}: ${raw.slice(0, 200)}`));
        });
      });
      req.on('error', (e: NodeJS.ErrnoException) => {
        if (req.reusedSocket && (e.code === 'ECONNRESET' || e.message === 'socket hang up')) Object.assign(e, { reusedSocket: true });
        reject(e);
      });
      req.end(text);
    });
  }

  get<T extends KubeObject>(r: ResourceRef, namespace: string | undefined, name: string): Promise<T> {
    return this.request<T>('GET', resourcePath(r, namespace, name));
  }

  list<T extends KubeObject>(r: ResourceRef, namespace: string | undefined, q: ListQuery = {}): Promise<KubeList<T>> {
    return this.request<KubeList<T>>('GET', resourcePath(r, namespace) + query(q));
  }

  create<T extends KubeObject>(r: ResourceRef, namespace: string | undefined, obj: T): Promise<T> {
    return this.request<T>('POST', resourcePath(r, namespace), obj);
  }

  update<T extends KubeObject>(r: ResourceRef, namespace: string | undefined, obj: T, sub?: string): Promise<T> {
    return this.request<T>('PUT', resourcePath(r, namespace, obj.metadata.name!, sub), obj);
  }

  patch<T extends KubeObject>(
    r: ResourceRef,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    type: 'merge' | 'strategic' | 'json' = 'merge',
    sub?: string,
  ): Promise<T> {
    const ct = { merge: 'application/merge-patch+json', strategic: 'application/strategic-merge-patch+json', json: 'application/json-patch+json' }[type];
    return this.request<T>('PATCH', resourcePath(r, namespace, name, sub), patch, ct);
  }

  delete(r: ResourceRef, namespace: string | undefined, name: string, opts: { gracePeriodSeconds?: number; preconditions?: { uid?: string; resourceVersion?: string }; propagationPolicy?: string } = {}): Promise<unknown> {
    return this.request('DELETE', resourcePath(r, namespace, name), { kind: 'DeleteOptions', apiVersion: 'v1', ...opts });
  }

  /**
   * Opens a watch; events are delivered in order. The stream ends when the
   * server closes it, on a network error (rejecting `done`), or on stop().
   */
  watch<T extends KubeObject>(r: ResourceRef, namespace: string | undefined, q: WatchQuery, onEvent: (ev: WatchEventOf<T>) => void): WatchStream {
    let req: http.ClientRequest | undefined;
    let stopped = false;
    const done = new Promise<void>((resolve, reject) => {
      req = this.open('GET', resourcePath(r, namespace) + query({ ...q, watch: true }), {}, (res) => {
        const code = res.statusCode ?? 0;
        if (code < 200 || code >= 300) {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            try {
              const st = JSON.parse(Buffer.concat(chunks).toString()) as Status;
              reject(new ApiError({ ...st, code: st.code || code }));
            } catch {
              reject(statusError(code, undefined, `watch ${r.resource}: HTTP ${code}`));
            }
          });
          return;
        }
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          buf += c;
          let i: number;
          while ((i = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, i);
            buf = buf.slice(i + 1);
            if (!line.trim()) continue;
            let ev: WatchEventOf<T>;
            try {
              ev = JSON.parse(line) as WatchEventOf<T>;
            } catch {
              req?.destroy();
              reject(new Error(`watch ${r.resource}: malformed event`));
              return;
            }
            if (!stopped) onEvent(ev);
          }
        });
        res.on('end', () => resolve());
        res.on('error', (e) => (stopped ? resolve() : reject(e)));
        res.on('close', () => resolve());
      });
      req.on('error', (e) => (stopped ? resolve() : reject(e)));
      req.end();
    });
    return {
      done,
      stop: () => {
        stopped = true;
        req?.destroy();
      },
    };
  }
}
