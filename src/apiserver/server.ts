/**
 * The API server: HTTPS on loopback with a bearer token, routing to
 * discovery, OpenAPI, health, and the resource handlers; storage through the
 * watch cache; the internal GC and namespace controllers.
 */
import https from 'node:https';
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Store } from '../storage/index.ts';
import { ApiError, internalError, statusError, unauthorized, isAlreadyExists } from '../api/status.ts';
import { findResource } from '../api/resources.ts';
import { Cacher } from './cacher.ts';
import { Registry } from './registry.ts';
import { handleResource, send, type HandlerContext } from './handlers.ts';
import { parseRequestPath } from './request.ts';
import { KUBERNETES_VERSION, aggregatedDiscovery, apiGroup, apiGroupList, apiResourceList, apiVersions } from './discovery.ts';
import { openApiV2Response, openApiV3GroupVersion, openApiV3Root } from './openapi/index.ts';
import { tokenMatches, type Pki } from './pki.ts';
import { GarbageCollector } from './controllers/gc.ts';
import { NamespaceController } from './controllers/namespace.ts';
import type { AdmissionHooks } from './strategy.ts';
import {
  bootstrapServices,
  combineAdmissionHooks,
  formatRepairReport,
  loopbackNetworkConfig,
  repairAllocations,
  serviceAdmission,
  type ClusterNetworkConfig,
} from './admission/index.ts';

export interface ApiServerOptions {
  store: Store;
  /** TLS material and token; omit only in unit tests (plain HTTP, no auth). */
  pki?: Pki;
  host?: string;
  port?: number;
  /** Extra admission hooks (combined with the Service allocation hooks). */
  hooks?: AdmissionHooks;
  /** Service CIDRs, node port range, externalIP allow-list (default: loopback mode). */
  network?: ClusterNetworkConfig;
  /** Create the `kubernetes` and `kube-dns` Services at start (default true). */
  bootstrapServices?: boolean;
  bookmarkIntervalMs?: number;
  /** Size of the watch cache's event window. */
  watchCacheEvents?: number;
  log?: (line: string) => void;
}

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/** Paths anyone may read without a token (Kubernetes' system:public-info-viewer). */
const PUBLIC_PATHS = new Set(['/healthz', '/livez', '/readyz', '/version']);

export class ApiServer {
  readonly registry: Registry;
  readonly cacher: Cacher;
  private server?: http.Server;
  private readonly gc: GarbageCollector;
  private readonly nsController: NamespaceController;
  private readonly ctx: HandlerContext;
  private readonly sockets = new Set<import('node:net').Socket>();
  url = '';
  readonly network: ClusterNetworkConfig;

  constructor(private readonly opts: ApiServerOptions) {
    this.cacher = new Cacher(opts.store, opts.watchCacheEvents);
    this.registry = new Registry({ store: opts.store, cacher: this.cacher });
    this.network = opts.network ?? loopbackNetworkConfig();
    const services = serviceAdmission(this.network, this.cacher);
    this.registry.setHooks(opts.hooks ? combineAdmissionHooks(services, opts.hooks) : services);
    this.gc = new GarbageCollector(this.registry);
    this.nsController = new NamespaceController(this.registry);
    this.ctx = { registry: this.registry, bookmarkIntervalMs: opts.bookmarkIntervalMs ?? 60_000, now: () => new Date(), nodeToken: opts.pki?.token };
  }

  async start(): Promise<string> {
    await this.cacher.start();
    await this.bootstrap();
    // Allocation records must equal what stored Services hold, whatever a crash left.
    for (const line of formatRepairReport(await repairAllocations(this.cacher, this.opts.store, this.network))) this.opts.log?.(line);
    this.gc.start();
    this.nsController.start();
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.handle(req, res);
    this.server = this.opts.pki
      ? https.createServer({ cert: this.opts.pki.cert, key: this.opts.pki.key, minVersion: 'TLSv1.2' }, handler)
      : http.createServer(handler);
    this.server.keepAliveTimeout = 65_000;
    this.server.headersTimeout = 70_000;
    this.server.requestTimeout = 0;
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    const host = this.opts.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.opts.port ?? 6443, host, () => resolve());
    });
    const addr = this.server.address() as AddressInfo;
    const h = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    this.url = `${this.opts.pki ? 'https' : 'http'}://${h}:${addr.port}`;
    // `kubernetes` (first service IP, → this server) and `kube-dns` (tenth).
    if (this.opts.bootstrapServices !== false) {
      const boot = await bootstrapServices(this.registry, this.network, addr.port);
      for (const e of boot.errors) this.opts.log?.(`bootstrap: ${e}`);
    }
    return this.url;
  }

  async stop(): Promise<void> {
    this.gc.stop();
    this.nsController.stop();
    if (this.server) {
      const closed = new Promise<void>((r) => this.server!.close(() => r()));
      for (const s of this.sockets) s.destroy();
      await closed;
    }
    this.cacher.stop();
  }

  /** Waits until the internal controllers have nothing queued (tests). */
  async settle(): Promise<void> {
    await this.gc.idle();
    await this.nsController.idle();
  }

  private async bootstrap(): Promise<void> {
    const nsr = findResource('', 'v1', 'namespaces')!;
    for (const name of SYSTEM_NAMESPACES) {
      if (this.registry.getCached(nsr, undefined, name)) continue;
      try {
        await this.registry.create(nsr, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
      } catch (e) {
        if (!isAlreadyExists(e)) throw e;
      }
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'https://localhost');
      if (this.opts.pki && !PUBLIC_PATHS.has(url.pathname) && !tokenMatches(req.headers.authorization, this.opts.pki.token)) {
        throw unauthorized();
      }
      await this.route(req, res, url);
    } catch (e) {
      const err = e instanceof ApiError ? e : internalError(e instanceof Error ? e.message : String(e));
      if (!(e instanceof ApiError)) this.opts.log?.(`internal error on ${req.method} ${req.url}: ${e instanceof Error ? e.stack : String(e)}`);
      if (!res.headersSent) send(res, err.code, err.status);
      else res.end();
      req.resume();
    }
  }

  private async route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const p = url.pathname.replace(/\/+$/, '') || '/';
    const accept = req.headers.accept ?? '';
    const method = req.method ?? 'GET';
    const readOnly = method === 'GET' || method === 'HEAD';
    const nonResource = (body: unknown, type = 'application/json') => {
      if (!readOnly) throw statusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      res.writeHead(200, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
    };
    switch (p) {
      case '/healthz':
      case '/livez':
      case '/readyz':
        return nonResource('ok', 'text/plain; charset=utf-8');
      case '/version':
        return nonResource(KUBERNETES_VERSION);
      case '/api':
      case '/apis': {
        const agg = /as=APIGroupDiscoveryList/.test(accept) && /g=apidiscovery\.k8s\.io/.test(accept);
        if (agg) {
          const v = /v=v2beta1/.test(accept.split(',')[0] ?? '') ? 'apidiscovery.k8s.io/v2beta1' : 'apidiscovery.k8s.io/v2';
          const body = aggregatedDiscovery(p === '/api', v);
          const text = JSON.stringify(body);
          res.writeHead(200, {
            'Content-Type': `application/json;g=apidiscovery.k8s.io;v=${v.split('/')[1]};as=APIGroupDiscoveryList`,
            'Content-Length': Buffer.byteLength(text),
          });
          res.end(text);
          return;
        }
        const host = req.headers.host ?? '127.0.0.1';
        return nonResource(p === '/api' ? apiVersions(host) : apiGroupList());
      }
      case '/openapi/v2': {
        const out = openApiV2Response(accept);
        res.writeHead(out.status, { 'Content-Type': out.contentType, 'Content-Length': Buffer.byteLength(out.body) });
        res.end(out.body);
        return;
      }
      case '/openapi/v3':
        return nonResource(openApiV3Root());
    }
    if (p.startsWith('/openapi/v3/')) {
      const doc = openApiV3GroupVersion(p.slice('/openapi/v3/'.length));
      if (doc) return nonResource(doc);
      throw statusError(404, 'NotFound', 'the server could not find the requested resource', {});
    }
    const parts = p.split('/').filter(Boolean);
    if (parts[0] === 'api' && parts.length === 2) {
      const list = apiResourceList('', parts[1]!);
      if (list) return nonResource(list);
    }
    if (parts[0] === 'apis' && parts.length === 2) {
      const g = apiGroup(parts[1]!);
      if (g) return nonResource(g);
    }
    if (parts[0] === 'apis' && parts.length === 3) {
      const list = apiResourceList(parts[1]!, parts[2]!);
      if (list) return nonResource(list);
    }
    const ri = parseRequestPath(method, p, url.searchParams);
    if (ri.kind === 'resource') return handleResource(this.ctx, ri, req, res, url.searchParams);
    throw statusError(404, 'NotFound', 'the server could not find the requested resource', {});
  }
}
