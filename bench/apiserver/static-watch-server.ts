/**
 * Reference for part (d): a bare Node HTTPS server (the API server's own
 * certificate) that holds chunked watch streams and, when told, pushes one
 * watch-event line of a real pod's size to every stream at a fixed rate, the
 * way the API server's watch handler does (one res.write per watcher and
 * event). It has no storage, no cache and no HTTP routing, so it shows what
 * the fan-out itself costs in Node's HTTP/TLS stack.
 *
 *   GET  /watch                              a stream
 *   POST /emit?rate=R&seconds=S&mode=M       emits, then answers with the acks
 *
 * mode 'string' builds the line per watcher (as the API server does today);
 * mode 'buffer' encodes it once per event and writes the same Buffer to all.
 * Lines are padded to SIZE bytes (a real event's size).
 * argv: DATA_DIR PORT SIZE. Prints "ready".
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { podManifest, SENT_ANNOTATION } from './manifests.ts';

const [dataDir, port, size] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const streams = new Set<ServerResponse>();
const template = podManifest('bench-watch', 7) as { metadata: Record<string, unknown> & { annotations: Record<string, string> } };

function objectJson(rv: number, sentNs: bigint): string {
  template.metadata.annotations[SENT_ANNOTATION] = String(sentNs);
  template.metadata.resourceVersion = String(rv);
  const plain = JSON.stringify(template);
  const pad = size - plain.length - '{"type":"MODIFIED","object":}\n'.length - '"bench.switchboard.dev/pad":"",'.length;
  template.metadata.annotations['bench.switchboard.dev/pad'] = 'x'.repeat(Math.max(0, pad));
  const json = JSON.stringify(template);
  delete template.metadata.annotations['bench.switchboard.dev/pad'];
  return json;
}

async function emit(rate: number, seconds: number, mode: string): Promise<{ rv: number; sentNs: string; ackNs: string }[]> {
  const acks: { rv: number; sentNs: string; ackNs: string }[] = [];
  const start = performance.now();
  const total = Math.round(rate * seconds);
  for (let k = 0; k < total; k++) {
    const wait = start + (k * 1000) / rate - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const sentNs = process.hrtime.bigint();
    const rv = k + 1;
    const json = objectJson(rv, sentNs);
    if (mode === 'buffer') {
      const line = Buffer.from(`{"type":"MODIFIED","object":${json}}\n`);
      for (const s of streams) s.write(line);
    } else {
      for (const s of streams) s.write(`{"type":"MODIFIED","object":${json}}\n`);
    }
    acks.push({ rv, sentNs: String(sentNs), ackNs: String(process.hrtime.bigint()) });
  }
  return acks;
}

const server = createServer(
  { cert: readFileSync(join(dataDir, 'pki/apiserver.crt')), key: readFileSync(join(dataDir, 'pki/apiserver.key')) },
  (req, res) => {
    const url = new URL(req.url ?? '/', 'https://localhost');
    if (url.pathname === '/watch') {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
      res.flushHeaders();
      streams.add(res);
      res.on('close', () => streams.delete(res));
      return;
    }
    req.resume();
    void emit(Number(url.searchParams.get('rate')), Number(url.searchParams.get('seconds')), url.searchParams.get('mode') ?? 'string').then((acks) => {
      const body = JSON.stringify(acks);
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    });
  },
);
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1', () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => process.exit(0));
