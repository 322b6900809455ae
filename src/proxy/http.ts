/**
 * The proxy's HTTP endpoints: /metrics (Prometheus text), /healthz and
 * /livez (kube-proxy's JSON bodies, 200 or 503). kube-proxy serves metrics on
 * 127.0.0.1:10249 and health on 0.0.0.0:10256; both servers answer every
 * path here, so one address may serve all three.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunningProxy } from './proxy.ts';

export interface ProxyHttpServer {
  /** host:port actually bound (port 0 picks a free one). */
  address: string;
  close(): Promise<void>;
}

/** Parses "host:port", "[v6]:port" or ":port" (host defaults to 127.0.0.1). */
export function parseListen(s: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(s.trim());
  if (!m) throw new Error(`"${s}" is not host:port`);
  const port = Number(m[3]);
  if (port > 65535) throw new Error(`"${s}": port out of range`);
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}

export async function serveProxyHttp(proxy: RunningProxy, listen: string): Promise<ProxyHttpServer> {
  const { host, port } = parseListen(listen);
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics') {
      proxy.metrics.registry
        .metrics()
        .then((text) => {
          res.writeHead(200, { 'content-type': proxy.metrics.registry.contentType });
          res.end(text);
        })
        .catch((e: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(String(e));
        });
      return;
    }
    if (path === '/healthz' || path === '/livez') {
      const withNode = path === '/healthz';
      const r = proxy.health.report(withNode);
      (withNode ? proxy.metrics.healthzTotal : proxy.metrics.livezTotal).inc({ code: String(r.code) });
      res.writeHead(r.code, { 'content-type': 'application/json', 'x-content-type-options': 'nosniff' });
      res.end(r.body);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('404 page not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const a = server.address() as AddressInfo;
  return {
    address: a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
