#!/usr/bin/env node
// Runs every test file under test/ with Node's test runner (tsx for TypeScript).
// Pass file paths or globs to run a subset: node scripts/run-tests.mjs test/api
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { kubectlPath } from './kubectl.mjs';

const root = new URL('..', import.meta.url).pathname;
function walk(dir) {
  const out = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) {
      if (e !== 'fixtures' && e !== 'testdata') out.push(...walk(p));
    } else if (e.endsWith('.test.ts')) out.push(p);
  }
  return out;
}
const args = process.argv.slice(2);
const roots = args.length ? args : ['test'];
const files = roots.flatMap((r) => (statSync(join(root, r)).isDirectory() ? walk(join(root, r)) : [join(root, r)])).map((f) => relative(root, f)).sort();
process.env.SWITCHBOARD_KUBECTL = kubectlPath();
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files], {
  cwd: root,
  stdio: 'inherit',
  env: process.env,
});
process.exit(r.status ?? 1);
