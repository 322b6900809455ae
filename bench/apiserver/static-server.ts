/**
 * Reference for part (c): a bare Node HTTPS server (the API server's own
 * certificate) that answers every GET with one prebuilt body of SIZE bytes,
 * in a single `res.end(buffer)` (as the API server sends a list today), or
 * with `?chunk=N` in N-byte writes that wait for 'drain' (streamed). Listing
 * N objects cannot be faster than moving the same bytes through Node's TLS
 * stack, so these are the transfer floors the list latencies are compared
 * with. argv: DATA_DIR PORT SIZE. Prints "ready".
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { join } from 'node:path';

const [dataDir, port, size] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const body = Buffer.alloc(size, 'x');
const server = createServer(
  { cert: readFileSync(join(dataDir, 'pki/apiserver.crt')), key: readFileSync(join(dataDir, 'pki/apiserver.key')) },
  (req, res) => {
    req.resume();
    const chunk = Number(new URL(req.url ?? '/', 'https://localhost').searchParams.get('chunk') ?? 0);
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': body.length });
    if (!chunk) {
      res.end(body);
      return;
    }
    let off = 0;
    const pump = (): void => {
      while (off < body.length) {
        const ok = res.write(body.subarray(off, Math.min(off + chunk, body.length)));
        off += chunk;
        if (!ok) {
          res.once('drain', pump);
          return;
        }
      }
      res.end();
    };
    pump();
  },
);
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1', () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => process.exit(0));
