#!/usr/bin/env node
// Installs what `npm start` / `npm test` need on a fresh machine of this kind:
// npm packages when node_modules is missing or stale, and (for --test, as root)
// the Debian packages the tests use. Idempotent and quiet when all is present.
import { spawnSync } from 'node:child_process';
import { aptInstall, have } from './apt.mjs';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const forTests = process.argv.includes('--test');

function npmInstallNeeded() {
  const marker = join(root, 'node_modules', '.package-lock.json');
  if (!existsSync(marker)) return true;
  if (!existsSync(join(root, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'))) return true;
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const want = { ...pkg.dependencies, ...(forTests ? pkg.devDependencies : {}) };
  for (const name of Object.keys(want)) {
    if (!existsSync(join(root, 'node_modules', name, 'package.json'))) return true;
  }
  return statSync(join(root, 'package.json')).mtimeMs > statSync(marker).mtimeMs;
}

if (npmInstallNeeded()) {
  console.error('switchboard: installing npm packages (first run)…');
  const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', ...(forTests ? [] : ['--omit=dev'])], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

// Debian packages used by the tests (real tools, never skipped):
// openssl (certificates), iproute2/nftables/iptables/conntrack (kernel data planes),
// dnsutils (dig), curl.
const APT = { openssl: 'openssl', dig: 'dnsutils', curl: 'curl', unzip: 'unzip', nft: 'nftables', iptables: 'iptables', 'ip6tables-restore': 'iptables', conntrack: 'conntrack' };
const wanted = forTests ? Object.keys(APT) : ['openssl'];
const missing = [...new Set(wanted.filter((c) => !have(c)).map((c) => APT[c]))];
if (missing.length) {
  if (process.getuid?.() !== 0) {
    console.error(`switchboard: missing tools: ${missing.join(', ')} — install them with: sudo apt-get install -y ${missing.join(' ')}`);
    process.exit(1);
  }
  console.error(`switchboard: installing Debian packages: ${missing.join(' ')}`);
  aptInstall(missing);
}
