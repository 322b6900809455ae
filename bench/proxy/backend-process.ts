/**
 * The benchmark's "pods": one process serving, on each pod address given on
 * the command line,
 *   :8080  HTTP, 200 "ok\n" (keep-alive unless the client says close)
 *   :9000  bulk: the client sends "GET <bytes>\n", the server streams that
 *          many bytes (from one 1 MiB buffer, with back-pressure) and ends
 *   :9001  echo (for holding many connections open)
 *   :9002  name: writes "<pod address>\n" and ends (readiness-flip probe)
 * Prints "ready" when every listener is up. Stopped by the driver (SIGTERM).
 */
import http from 'node:http';
import net from 'node:net';

const pods = process.argv.slice(2);
const CHUNK = Buffer.alloc(1 << 20, 0x61);

function listen(server: net.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, backlog: 4096 }, () => resolve());
  });
}

function bulk(socket: net.Socket): void {
  let line = '';
  socket.setNoDelay(true);
  socket.on('error', () => {});
  const onData = (d: Buffer) => {
    line += d.toString('latin1');
    const i = line.indexOf('\n');
    if (i < 0) return;
    socket.off('data', onData);
    let left = Number(line.slice(4, i));
    const pump = () => {
      while (left > 0) {
        const n = Math.min(left, CHUNK.length);
        left -= n;
        const ok = socket.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n));
        if (!ok) {
          socket.once('drain', pump);
          return;
        }
      }
      socket.end();
    };
    pump();
  };
  socket.on('data', onData);
}

const servers: net.Server[] = [];
for (const ip of pods) {
  const h = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '3' });
    res.end('ok\n');
  });
  h.keepAliveTimeout = 60_000;
  h.maxRequestsPerSocket = 0;
  servers.push(h);
  await listen(h, 8080, ip);
  const b = net.createServer(bulk);
  servers.push(b);
  await listen(b, 9000, ip);
  const e = net.createServer((s) => {
    s.on('error', () => {});
    s.pipe(s);
  });
  servers.push(e);
  await listen(e, 9001, ip);
  const n = net.createServer((s) => {
    s.on('error', () => {});
    s.end(`${ip}\n`);
  });
  servers.push(n);
  await listen(n, 9002, ip);
}
process.stdout.write('ready\n');
process.on('SIGTERM', () => process.exit(0));
