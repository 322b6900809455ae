/**
 * One probe attempt, as the kubelet's probers do it (pkg/probe/http, tcp,
 * exec, grpc): success / failure plus the message the Unhealthy event shows.
 * HTTP: GET with User-Agent kube-probe/1.33, no keep-alive, 200–399 is
 * success, HTTPS without certificate checks. gRPC: grpc.health.v1.Health/Check
 * over h2c, SERVING is success.
 */
import http from 'node:http';
import https from 'node:https';
import http2 from 'node:http2';
import net from 'node:net';
import type { ProbeAction } from './probe-spec.ts';
import { execInPod } from './runtime.ts';
import { joinHostPort } from '../api/validation/ip.ts';

export interface ProbeOutcome {
  result: 'success' | 'failure';
  message?: string;
}

export interface ProbeContext {
  podIP: string;
  timeoutMs: number;
  env: Record<string, string>;
  cwd: string;
  netns?: string;
}

const USER_AGENT = 'kube-probe/1.33';


function httpProbe(a: Extract<ProbeAction, { type: 'http' }>, ctx: ProbeContext): Promise<ProbeOutcome> {
  const host = a.host ?? ctx.podIP;
  const url = `${a.scheme}://${joinHostPort(host, a.port)}${a.path}`;
  return new Promise((resolve) => {
    const headers: Record<string, string> = { 'user-agent': USER_AGENT, accept: '*/*', connection: 'close' };
    for (const [k, v] of a.headers) headers[k.toLowerCase()] = v;
    const lib = a.scheme === 'https' ? https : http;
    let settled = false;
    const done = (o: ProbeOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(o);
    };
    const req = lib.request(
      { host, port: a.port, path: a.path, method: 'GET', headers, agent: false, ...(a.scheme === 'https' ? { rejectUnauthorized: false } : {}) },
      (res) => {
        const code = res.statusCode ?? 0;
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          if (body.length < 10240) body += c;
        });
        res.on('end', () => {
          if (code >= 200 && code < 400) done({ result: 'success' });
          else done({ result: 'failure', message: `HTTP probe failed with statuscode: ${code}` });
        });
        res.on('error', () => done({ result: 'failure', message: `HTTP probe failed with statuscode: ${code}` }));
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      done({ result: 'failure', message: `Get ${JSON.stringify(url)}: context deadline exceeded (Client.Timeout exceeded while awaiting headers)` });
    }, ctx.timeoutMs);
    req.on('error', (e: NodeJS.ErrnoException) => done({ result: 'failure', message: `Get ${JSON.stringify(url)}: ${dialError(e, host, a.port)}` }));
    req.end();
  });
}

function dialError(e: NodeJS.ErrnoException, host: string, port: number): string {
  const target = joinHostPort(host, port);
  if (e.code === 'ECONNREFUSED') return `dial tcp ${target}: connect: connection refused`;
  if (e.code === 'EHOSTUNREACH') return `dial tcp ${target}: connect: no route to host`;
  if (e.code === 'ECONNRESET') return `read tcp ${target}: read: connection reset by peer`;
  return e.message;
}

function tcpProbe(a: Extract<ProbeAction, { type: 'tcp' }>, ctx: ProbeContext): Promise<ProbeOutcome> {
  const host = a.host ?? ctx.podIP;
  return new Promise((resolve) => {
    const sock = net.connect({ host, port: a.port });
    const timer = setTimeout(() => {
      sock.destroy();
      resolve({ result: 'failure', message: `dial tcp ${joinHostPort(host, a.port)}: i/o timeout` });
    }, ctx.timeoutMs);
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.destroy();
      resolve({ result: 'success' });
    });
    sock.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ result: 'failure', message: dialError(e, host, a.port) });
    });
  });
}

async function execProbe(a: Extract<ProbeAction, { type: 'exec' }>, ctx: ProbeContext): Promise<ProbeOutcome> {
  const r = await execInPod(a.command, { env: ctx.env, cwd: ctx.cwd, netns: ctx.netns, timeoutMs: ctx.timeoutMs });
  if (r.timedOut) return { result: 'failure', message: `command ${JSON.stringify(a.command.join(' '))} timed out` };
  if (r.code === 0) return { result: 'success' };
  return { result: 'failure', message: r.output.trim() || `command ${JSON.stringify(a.command.join(' '))} exited with ${r.code}` };
}

/** protobuf HealthCheckRequest { string service = 1; } in a gRPC frame. */
function grpcFrame(service: string): Buffer {
  const s = Buffer.from(service, 'utf8');
  const msg = s.length ? Buffer.concat([Buffer.from([0x0a]), varint(s.length), s]) : Buffer.alloc(0);
  const head = Buffer.alloc(5);
  head.writeUInt32BE(msg.length, 1);
  return Buffer.concat([head, msg]);
}

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n > 127) {
    out.push((n & 127) | 128);
    n >>>= 7;
  }
  out.push(n);
  return Buffer.from(out);
}

const SERVING_STATUS = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];

/** Reads HealthCheckResponse { ServingStatus status = 1; } from the first gRPC frame. */
function grpcStatus(body: Buffer): number {
  if (body.length < 5) return 0;
  const msg = body.subarray(5, 5 + body.readUInt32BE(1));
  for (let i = 0; i < msg.length; ) {
    const key = msg[i++];
    if (key === 0x08) {
      let v = 0;
      let shift = 0;
      while (i < msg.length) {
        const b = msg[i++];
        v |= (b & 127) << shift;
        shift += 7;
        if (!(b & 128)) break;
      }
      return v;
    }
    break;
  }
  return 0;
}

function grpcProbe(a: Extract<ProbeAction, { type: 'grpc' }>, ctx: ProbeContext): Promise<ProbeOutcome> {
  const target = joinHostPort(ctx.podIP, a.port);
  return new Promise((resolve) => {
    let settled = false;
    const session = http2.connect(`http://${target}`);
    const done = (o: ProbeOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      session.destroy();
      resolve(o);
    };
    const timer = setTimeout(
      () => done({ result: 'failure', message: `timeout: health rpc did not complete within ${ctx.timeoutMs / 1000}s` }),
      ctx.timeoutMs,
    );
    session.on('error', () => done({ result: 'failure', message: `timeout: failed to connect service ${JSON.stringify(target)} within ${ctx.timeoutMs / 1000}s: context deadline exceeded` }));
    const req = session.request({ ':method': 'POST', ':path': '/grpc.health.v1.Health/Check', 'content-type': 'application/grpc', te: 'trailers', 'user-agent': USER_AGENT });
    const chunks: Buffer[] = [];
    let grpcStatusCode: string | undefined;
    req.on('response', (h) => {
      if (h['grpc-status'] !== undefined) grpcStatusCode = String(h['grpc-status']);
    });
    req.on('trailers', (t) => {
      if (t['grpc-status'] !== undefined) grpcStatusCode = String(t['grpc-status']);
    });
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', (e: Error) => done({ result: 'failure', message: `failed to connect service ${JSON.stringify(target)}: ${e.message}` }));
    req.on('end', () => {
      if (grpcStatusCode && grpcStatusCode !== '0') {
        return done({ result: 'failure', message: `rpc error: code = ${grpcStatusCode === '12' ? 'Unimplemented' : grpcStatusCode === '5' ? 'NotFound' : grpcStatusCode}` });
      }
      const st = grpcStatus(Buffer.concat(chunks));
      if (st === 1) done({ result: 'success' });
      else done({ result: 'failure', message: `service unhealthy (responded with ${JSON.stringify(SERVING_STATUS[st] ?? String(st))})` });
    });
    req.end(grpcFrame(a.service));
  });
}

export function runProbe(a: ProbeAction, ctx: ProbeContext): Promise<ProbeOutcome> {
  switch (a.type) {
    case 'http':
      return httpProbe(a, ctx);
    case 'tcp':
      return tcpProbe(a, ctx);
    case 'exec':
      return execProbe(a, ctx);
    case 'grpc':
      return grpcProbe(a, ctx);
  }
}
