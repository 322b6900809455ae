#!/usr/bin/env node
// Switchboard sample app: a plain Node HTTP server (no dependencies) that
// reports which pod answered and can be told to fail or recover readiness.
//
// Environment:
//   POD_NAME / HOSTNAME   name to report (HOSTNAME is set to the pod name by the agent)
//   POD_NAMESPACE         namespace to report
//   POD_IP                address to bind (set by the agent; required in loopback mode)
//   HOST                  overrides the bind address (e.g. 0.0.0.0 in netns mode)
//   PORT                  HTTP port (default 8080)
//   START_DELAY_MS        wait this long before listening (a slow start)
//   READY=false           start with readiness failing
//   UDP_PORT              also run a UDP echo server on this port ("<pod>: <datagram>")
//   TERM_DELAY_MS         on SIGTERM, keep serving this long before exiting (default 0)
//   IGNORE_SIGTERM=1      log SIGTERM and keep running (only SIGKILL stops it)
//   LOG_REQUESTS=1        log one line per request
//
// Endpoints:
//   GET /            "<pod> <ip>:<port> <method> <path> from <client>"  (one line)
//   GET /name        the pod name
//   GET /healthz     200 "ok" when ready, 503 "not ready" otherwise (readiness)
//   GET /livez       200 "ok"; never answers after /hang (liveness)
//   GET|POST /fail   readiness starts failing      GET|POST /recover  readiness passes again
//   GET|POST /hang   the process stops responding (event loop blocked, no CPU burned)
//   GET|POST /exit?code=N   exit with status N (default 1)
//   GET /env         the environment as JSON
//   GET /sleep?ms=N  answer after N ms
import http from 'node:http';
import dgram from 'node:dgram';

const name = process.env.POD_NAME || process.env.HOSTNAME || 'sample-app';
const namespace = process.env.POD_NAMESPACE || '';
const host = process.env.HOST || process.env.POD_IP || '0.0.0.0';
const port = Number(process.env.PORT || 8080);
const logRequests = process.env.LOG_REQUESTS === '1';
let ready = process.env.READY !== 'false';
let terminating = false;

function log(msg) {
  process.stdout.write(`${new Date().toISOString()} ${name}: ${msg}\n`);
}

function hang() {
  log('hanging (event loop blocked)');
  // Blocks the main thread without using CPU.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  if (logRequests) log(`${req.method} ${url.pathname} from ${req.socket.remoteAddress}`);
  const send = (code, body, type = 'text/plain; charset=utf-8') => {
    res.writeHead(code, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
  switch (url.pathname) {
    case '/name':
      return send(200, `${name}\n`);
    case '/healthz':
      return ready && !terminating ? send(200, 'ok\n') : send(503, 'not ready\n');
    case '/livez':
      return send(200, 'ok\n');
    case '/fail':
      ready = false;
      log('readiness set to failing');
      return send(200, 'readiness failing\n');
    case '/recover':
      ready = true;
      log('readiness recovered');
      return send(200, 'readiness ok\n');
    case '/hang':
      send(200, 'hanging\n');
      return setTimeout(hang, 50);
    case '/exit': {
      const code = Number(url.searchParams.get('code') ?? 1);
      send(200, `exiting with ${code}\n`);
      log(`exiting with ${code}`);
      return setTimeout(() => process.exit(code), 20);
    }
    case '/env':
      return send(200, JSON.stringify(process.env, null, 2) + '\n', 'application/json');
    case '/sleep': {
      const ms = Number(url.searchParams.get('ms') ?? 1000);
      return setTimeout(() => send(200, `slept ${ms} ms\n`), ms);
    }
    default:
      return send(200, `${name}${namespace ? `.${namespace}` : ''} ${host}:${port} ${req.method} ${url.pathname} from ${req.socket.remoteAddress}\n`);
  }
});

function listen() {
  server.listen(port, host, () => log(`listening on ${host}:${port}${ready ? '' : ' (not ready)'}`));
  if (process.env.UDP_PORT) {
    const udp = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    udp.on('message', (msg, rinfo) => udp.send(Buffer.from(`${name}: ${msg}`), rinfo.port, rinfo.address));
    udp.bind(Number(process.env.UDP_PORT), host, () => log(`udp echo on ${host}:${process.env.UDP_PORT}`));
  }
}

server.on('error', (e) => {
  log(`cannot listen on ${host}:${port}: ${e.message}`);
  process.exit(1);
});

process.on('SIGTERM', () => {
  log('received SIGTERM');
  if (process.env.IGNORE_SIGTERM === '1') return;
  terminating = true;
  setTimeout(() => {
    server.close();
    log('exiting after SIGTERM');
    process.exit(0);
  }, Number(process.env.TERM_DELAY_MS || 0));
});

const delay = Number(process.env.START_DELAY_MS || 0);
if (delay > 0) {
  log(`starting in ${delay} ms`);
  setTimeout(listen, delay);
} else listen();
