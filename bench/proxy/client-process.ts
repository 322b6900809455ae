/**
 * Load generator for the proxy benchmark (forked by the driver, IPC):
 *
 *   { type: 'bulk', host, port, bytes }   → one connection, downloads `bytes`
 *   { type: 'hold', host, port, n, sources } → opens n connections (each one
 *        echo round trip), keeps them open; replies with errors and timing
 *   { type: 'release' }                   → closes the held connections
 *   { type: 'probe', host, port }         → connects in a loop, remembering
 *        when each pod answered
 *   { type: 'await', name, since, old }   → replies with the first time (epoch
 *        ms, µs resolution) `name` answered after `since`, and whether `old`
 *        answered after that
 *   { type: 'stop-probe' }
 */
import net from 'node:net';

const now = () => performance.timeOrigin + performance.now();

function send(m: unknown): void {
  process.send!(m);
}

async function bulk(host: string, port: number, bytes: number): Promise<{ seconds: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const t0 = now();
    let got = 0;
    const s = net.connect({ host, port }, () => s.write(`GET ${bytes}\n`));
    s.on('data', (d: Buffer) => (got += d.length));
    s.on('error', reject);
    s.on('end', () => {
      s.destroy();
      resolve({ seconds: (now() - t0) / 1000, bytes: got });
    });
  });
}

let held: net.Socket[] = [];

async function hold(host: string, port: number, n: number, sources: string[]): Promise<{ ok: number; errors: number; firstError?: string; seconds: number }> {
  const t0 = now();
  let ok = 0;
  let errors = 0;
  let firstError: string | undefined;
  let next = 0;
  const one = (i: number) =>
    new Promise<void>((resolve) => {
      const s = net.connect({ host, port, localAddress: sources[i % sources.length] });
      const fail = (e: Error) => {
        errors++;
        firstError ??= `${(e as NodeJS.ErrnoException).code ?? e.message}`;
        s.destroy();
        resolve();
      };
      s.once('error', fail);
      s.once('connect', () => s.write('x'));
      s.once('data', () => {
        ok++;
        s.off('error', fail);
        s.on('error', () => {
          errors++;
        });
        held.push(s);
        resolve();
      });
    });
  const worker = async () => {
    while (next < n) await one(next++);
  };
  await Promise.all(Array.from({ length: 256 }, worker));
  return { ok, errors, firstError, seconds: (now() - t0) / 1000 };
}

// ---------------------------------------------------------------- probe
let probing = false;
const firstSeen = new Map<string, number[]>();

async function probeLoop(host: string, port: number): Promise<void> {
  probing = true;
  while (probing) {
    const name = await new Promise<string>((resolve) => {
      const s = net.connect({ host, port });
      let buf = '';
      s.setEncoding('utf8');
      s.on('data', (d: string) => (buf += d));
      s.on('error', () => resolve(''));
      s.on('close', () => resolve(buf.trim()));
    });
    if (name) {
      const t = now();
      const l = firstSeen.get(name);
      if (l) l.push(t);
      else firstSeen.set(name, [t]);
      if (l && l.length > 20_000) l.splice(0, 10_000);
    }
  }
}

async function awaitName(name: string, since: number, old: string, timeoutMs = 10_000): Promise<{ at?: number; oldAfter: number }> {
  const end = now() + timeoutMs;
  for (;;) {
    const at = firstSeen.get(name)?.find((t) => t > since);
    if (at !== undefined) {
      // Give the probe a few more rounds to catch a straggler from the old pod.
      await new Promise((r) => setTimeout(r, 20));
      const oldAfter = (firstSeen.get(old) ?? []).filter((t) => t > at + 1).length;
      return { at, oldAfter };
    }
    if (now() > end) return { oldAfter: 0 };
    await new Promise((r) => setImmediate(r));
  }
}

process.on('message', (m: { type: string; [k: string]: unknown }) => {
  void (async () => {
    try {
      switch (m.type) {
        case 'bulk':
          send({ type: 'bulk', ...(await bulk(m['host'] as string, m['port'] as number, m['bytes'] as number)) });
          break;
        case 'hold':
          send({ type: 'hold', ...(await hold(m['host'] as string, m['port'] as number, m['n'] as number, m['sources'] as string[])) });
          break;
        case 'release': {
          const n = held.length;
          await Promise.all(
            held.map(
              (s) =>
                new Promise<void>((r) => {
                  s.once('close', () => r());
                  s.end();
                }),
            ),
          );
          held = [];
          send({ type: 'release', closed: n });
          break;
        }
        case 'probe':
          void probeLoop(m['host'] as string, m['port'] as number);
          send({ type: 'probe' });
          break;
        case 'await':
          send({ type: 'await', ...(await awaitName(m['name'] as string, m['since'] as number, m['old'] as string)) });
          break;
        case 'stop-probe':
          probing = false;
          send({ type: 'stop-probe' });
          break;
      }
    } catch (e) {
      send({ type: 'error', message: e instanceof Error ? e.message : String(e) });
    }
  })();
});
send({ type: 'ready' });
