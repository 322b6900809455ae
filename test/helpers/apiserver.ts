/**
 * Test harness: a real API server (HTTPS + token, in-process, on a random
 * loopback port) with an isolated kubeconfig, and the pinned kubectl v1.33 run
 * against it with its own HOME and cache dir.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '../../src/storage/index.ts';
import { ApiServer, ensurePki, writeKubeconfig, type Pki } from '../../src/apiserver/index.ts';
import { kubectlPath } from '../../scripts/kubectl.mjs';
import type { ClusterNetworkConfig } from '../../src/apiserver/admission/index.ts';

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface TestApi {
  url: string;
  dir: string;
  kubeconfig: string;
  pki: Pki;
  server: ApiServer;
  store: Store;
  kubectl(args: string[], opts?: { input?: string; env?: Record<string, string> }): Promise<KubectlResult>;
  /** Starts kubectl and returns the child (for -w). */
  kubectlSpawn(args: string[]): ReturnType<typeof spawn>;
  /** Authenticated HTTPS request to the API (raw). */
  request(method: string, path: string, body?: string | Buffer, headers?: Record<string, string>): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }>;
  stop(): Promise<void>;
}

const KUBECTL = process.env['SWITCHBOARD_KUBECTL'] || kubectlPath();

export async function startTestApi(opts: { storage?: 'memory' | 'sqlite'; dir?: string; network?: ClusterNetworkConfig } = {}): Promise<TestApi> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'sb-test-'));
  const store = opts.storage === 'sqlite' ? await openStore({ kind: 'sqlite', path: join(dir, 'state.db') }) : await openStore({ kind: 'memory' });
  const pki = ensurePki(dir, []);
  const server = new ApiServer({ store, pki, port: 0, bookmarkIntervalMs: 1000, network: opts.network });
  const url = await server.start();
  const kubeconfig = writeKubeconfig(join(dir, 'kubeconfig'), url, pki);
  const home = join(dir, 'home');
  const baseEnv = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, KUBECONFIG: kubeconfig, KUBECACHEDIR: join(dir, 'kcache') };
  const kubectl = (args: string[], o: { input?: string; env?: Record<string, string> } = {}) =>
    new Promise<KubectlResult>((resolve) => {
      const child = execFile(KUBECTL, args, { env: { ...baseEnv, ...o.env }, timeout: 60_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
        const code = err ? (typeof (err as NodeJS.ErrnoException).code === 'number' ? ((err as unknown as { code: number }).code) : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      });
      if (o.input !== undefined) child.stdin!.end(o.input);
    });
  const request = async (method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}) => {
    const { request: httpsRequest } = await import('node:https');
    return new Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }>((resolve, reject) => {
      const u = new URL(path, url);
      const req = httpsRequest(
        u,
        {
          method,
          ca: pki.caCert,
          headers: {
            authorization: `Bearer ${pki.token}`,
            'content-type': 'application/json',
            ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}),
            ...headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
        },
      );
      req.on('error', reject);
      if (body !== undefined) req.end(body);
      else req.end();
    });
  };
  return {
    url,
    dir,
    kubeconfig,
    pki,
    server,
    store,
    kubectl,
    kubectlSpawn: (args) => spawn(KUBECTL, args, { env: baseEnv, stdio: ['ignore', 'pipe', 'pipe'] }),
    request,
    async stop() {
      await server.stop();
      await store.close();
      if (!opts.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
