/**
 * Crash safety and concurrency through the real server process: `kill -9`
 * in the middle of a stream of creates and updates loses no acknowledged
 * write; concurrent read-modify-write loses no update (losers get 409).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { freePort } from '../helpers/net.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request as httpsRequest, Agent } from 'node:https';
import { startTestApi } from '../helpers/apiserver.ts';

const ROOT = new URL('../..', import.meta.url).pathname;

async function startServerProcess(dir: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(ROOT, 'bin/switchboard.js'), 'apiserver', '--data-dir', dir, '--api-port', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  // Up to 60 s: a loaded machine starts a Node process slowly. A server that never got ready is killed, not orphaned.
  for (let i = 0; i < 1200 && !/ready/.test(out); i++) {
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  if (!/ready/.test(out) && child.exitCode === null) child.kill('SIGKILL');
  assert.match(out, /ready/, `server did not start: ${err}`);
  return child;
}

function client(dir: string, port: number) {
  const ca = readFileSync(join(dir, 'pki/ca.crt'), 'utf8');
  const token = readFileSync(join(dir, 'pki/token'), 'utf8').trim();
  const agent = new Agent({ keepAlive: true, maxSockets: 16, ca });
  return (method: string, path: string, body?: unknown) =>
    new Promise<{ status: number; body: any }>((resolve, reject) => {
      const req = httpsRequest(
        { host: '127.0.0.1', port, path, method, agent, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString();
            resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
}

test('kill -9 during a stream of writes loses no acknowledged write', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sb-crash-'));
  const port = await freePort();
  let child = await startServerProcess(dir, port);
  try {
    const call = client(dir, port);
    const acked = new Map<string, { rv: number; gen: string }>();
    let stop = false;
    const writer = async (w: number) => {
      for (let i = 0; !stop; i++) {
        const name = `cm-${w}-${i % 20}`;
        try {
          const path = `/api/v1/namespaces/default/services`;
          const obj = { apiVersion: 'v1', kind: 'Service', metadata: { name, annotations: { gen: `${w}-${i}` } }, spec: { ports: [{ port: 80 }] } };
          let r = i < 20 ? await call('POST', path, obj) : await call('PUT', `${path}/${name}`, obj);
          if (r.status === 409 || r.status === 404) r = await call(i < 20 ? 'PUT' : 'POST', i < 20 ? `${path}/${name}` : path, obj);
          if (r.status === 200 || r.status === 201) acked.set(name, { rv: Number(r.body.metadata.resourceVersion), gen: `${w}-${i}` });
        } catch {
          return; // connection died with the server
        }
      }
    };
    const writers = [0, 1, 2, 3].map(writer);
    while (acked.size < 60) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 300));
    const dead = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await dead;
    stop = true;
    await Promise.all(writers);
    const maxAcked = Math.max(...[...acked.values()].map((a) => a.rv));

    child = await startServerProcess(dir, port);
    const call2 = client(dir, port);
    const list = await call2('GET', '/api/v1/namespaces/default/services');
    assert.equal(list.status, 200);
    const byName = new Map<string, any>(list.body.items.map((s: any) => [s.metadata.name, s]));
    for (const [name, a] of acked) {
      const s = byName.get(name);
      assert.ok(s, `acknowledged ${name} is missing after the crash`);
      assert.ok(Number(s.metadata.resourceVersion) >= a.rv, `${name} went back in time`);
      if (Number(s.metadata.resourceVersion) === a.rv) assert.equal(s.metadata.annotations.gen, a.gen);
      assert.deepEqual(s.spec.ports.map((p: any) => p.port), [80], 'no half-written object');
    }
    assert.ok(Number(list.body.metadata.resourceVersion) >= maxAcked);
    const after = await call2('POST', '/api/v1/namespaces/default/services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'after-crash' }, spec: { ports: [{ port: 80 }] } });
    assert.equal(after.status, 201);
    assert.ok(Number(after.body.metadata.resourceVersion) > Number(list.body.metadata.resourceVersion), 'resourceVersions only grow');
  } finally {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a second server on the same data dir is refused clearly', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sb-lock-'));
  const port = await freePort();
  const first = await startServerProcess(dir, port);
  try {
    const second = spawn(process.execPath, [join(ROOT, 'bin/switchboard.js'), 'apiserver', '--data-dir', dir, '--api-port', String(await freePort())], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    second.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((r) => second.on('exit', r));
    assert.notEqual(code, 0);
    assert.match(err, /in use/);
    // The first one still serves.
    const r = await client(dir, port)('GET', '/api/v1/namespaces/default');
    assert.equal(r.status, 200);
  } finally {
    first.kill('SIGTERM');
    await new Promise((r) => first.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
});

test('concurrent read-modify-write: every lost race is a 409 and no update is lost', async () => {
  const api = await startTestApi({ storage: 'sqlite' });
  try {
    const path = '/api/v1/namespaces/default/services';
    const c = await api.request('POST', path, JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'counter', annotations: { n: '0' } }, spec: { ports: [{ port: 80 }] } }));
    assert.equal(c.status, 201);
    let conflicts = 0;
    let successes = 0;
    const worker = async () => {
      for (let done = 0; done < 10; ) {
        const g = await api.request('GET', `${path}/counter`);
        const obj = JSON.parse(g.body);
        obj.metadata.annotations.n = String(Number(obj.metadata.annotations.n) + 1);
        const u = await api.request('PUT', `${path}/counter`, JSON.stringify(obj));
        if (u.status === 409) {
          assert.equal(JSON.parse(u.body).reason, 'Conflict');
          conflicts++;
        } else {
          assert.equal(u.status, 200, u.body);
          successes++;
          done++;
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    const final = JSON.parse((await api.request('GET', `${path}/counter`)).body);
    assert.equal(successes, 80);
    assert.equal(final.metadata.annotations.n, '80', 'no update lost');
    assert.ok(conflicts > 0, 'the workers really raced');
  } finally {
    await api.stop();
  }
});
