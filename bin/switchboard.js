#!/usr/bin/env -S node --max-semi-space-size=2
// The `switchboard` CLI. The sources are TypeScript, run without a build step.
//
// --max-semi-space-size=2 (the #! line; `node bin/switchboard.js` goes
// without it): V8's young generation grows to two 16 MiB semi-spaces under
// the start-up burst of a cluster's lists and keeps them resident while idle;
// capped at 2 MiB, an idle `switchboard up` with 100 Services and 300 pods
// holds ~29 MiB less, with no slower start (BENCHMARKS.md, `up`). Applies to
// every command; the DNS worker processes set their own, larger, size.
//
// tsx's loader (register()) runs its module hooks on a separate loader thread
// with its own V8 isolate, and starts an esbuild service process when a file
// is not in its transform cache: ~30 MiB of resident memory for the life of a
// long-running `switchboard up`, agent or proxy (BENCHMARKS.md, `up`). So the
// sources are transpiled file by file, with the esbuild that tsx brings and
// tsx's own settings, into node_modules/.cache/switchboard (src/**/x.ts ->
// src/**/x.mjs, relative `.ts` specifiers rewritten to `.mjs`) and run as
// plain ES modules. A short-lived child process does the transpiling, only for
// files whose size or mtime changed, so this process never loads esbuild.
// When that cannot be done (no esbuild, read-only node_modules,
// SWITCHBOARD_TSX=1), tsx's loader runs the sources as before.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SRC = join(ROOT, 'src');
const OUT = join(ROOT, 'node_modules', '.cache', 'switchboard');
const MANIFEST = join(OUT, 'manifest.json');
const ENTRY = join(OUT, 'src', 'cli', 'main.mjs');
/** Bump when the transpile settings or rewriteSpecifiers change: every file is redone. */
const FORMAT = 1;

/** Every .ts file under src with its size and mtime, the key of its transpiled copy. */
function sources() {
  const out = new Map();
  for (const rel of readdirSync(SRC, { recursive: true })) {
    if (!rel.endsWith('.ts') || rel.endsWith('.d.ts')) continue;
    const st = statSync(join(SRC, rel));
    out.set(rel, `${st.size}:${st.mtimeMs}`);
  }
  return out;
}

function readManifest() {
  try {
    const m = JSON.parse(readFileSync(MANIFEST, 'utf8'));
    return m.format === FORMAT && m.node === process.versions.node ? m : undefined;
  } catch {
    return undefined;
  }
}

function fresh(manifest, now) {
  if (!manifest || Object.keys(manifest.files).length !== now.size) return false;
  for (const [rel, key] of now) if (manifest.files[rel] !== key) return false;
  return true;
}

/**
 * Relative specifiers of modules and of `new URL(…, import.meta.url)` in esbuild's output (always double-quoted).
 * Only `.ts` modules are copied: a static or dynamic import of another relative file (.mjs, .json) from src/ would
 * resolve inside the cache and fail; none exists today, keep it so (or copy such files here too).
 */
function rewriteSpecifiers(code, sourceUrl) {
  return code
    .replace(/(\bfrom\s*|\bimport\s*\(?\s*)"(\.\.?\/[^"]+)\.ts"/g, '$1"$2.mjs"')
    .replace(/new URL\("(\.\.?\/[^"]+)",\s*import\.meta\.url\)/g, (_, rel) =>
      // A TypeScript module: its transpiled copy beside this one. Anything else (bin/, data): the file in the source tree.
      rel.endsWith('.ts') ? `new URL(${JSON.stringify(rel.slice(0, -3) + '.mjs')}, import.meta.url)` : `new URL(${JSON.stringify(rel)}, ${JSON.stringify(sourceUrl)})`,
    );
}

function writeAtomic(path, data) {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

/** Holds OUT/.lock while f runs (another process transpiling waits; a lock older than a minute is stale). */
async function withLock(f) {
  const lock = join(OUT, '.lock');
  for (let i = 0; ; i++) {
    try {
      closeSync(openSync(lock, 'wx'));
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      try {
        if (Date.now() - statSync(lock).mtimeMs > 60_000) rmSync(lock, { force: true });
      } catch {
        /* gone meanwhile */
      }
      if (i > 1200) throw new Error(`${lock} held too long`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  try {
    return await f();
  } finally {
    rmSync(lock, { force: true });
  }
}

/** The child: transpiles what changed, removes what was deleted, then writes the manifest. */
async function transpile() {
  mkdirSync(OUT, { recursive: true });
  await withLock(async () => {
    const esbuild = await import('esbuild');
    const tsconfig = JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8'));
    const old = readManifest()?.files ?? {};
    const now = sources();
    const files = {};
    await Promise.all(
      [...now].map(async ([rel, key]) => {
        const src = join(SRC, rel);
        const out = join(OUT, 'src', rel.slice(0, -3) + '.mjs');
        if (old[rel] === key && existsSync(out)) {
          files[rel] = key;
          return;
        }
        // tsx's settings (node_modules/tsx: target this node, keepNames, whitespace minified, source map without sources).
        const r = await esbuild.transform(readFileSync(src, 'utf8'), {
          loader: 'ts',
          format: 'esm',
          target: `node${process.versions.node}`,
          keepNames: true,
          minifyWhitespace: true,
          sourcemap: 'inline',
          sourcesContent: false,
          sourcefile: src,
          tsconfigRaw: { compilerOptions: tsconfig.compilerOptions },
        });
        mkdirSync(dirname(out), { recursive: true });
        writeAtomic(out, rewriteSpecifiers(r.code, pathToFileURL(src).href));
        // Recorded only when the file did not change while it was read: else the next start redoes it.
        const st = statSync(src);
        if (`${st.size}:${st.mtimeMs}` === key) files[rel] = key;
      }),
    );
    for (const rel of Object.keys(old)) if (!now.has(rel)) rmSync(join(OUT, 'src', rel.slice(0, -3) + '.mjs'), { force: true });
    writeAtomic(MANIFEST, JSON.stringify({ format: FORMAT, node: process.versions.node, files }));
    await esbuild.stop?.();
  });
}

/** Is the transpiled copy there and current (transpiling it first when not)? */
function ready() {
  if (process.env.SWITCHBOARD_TSX === '1') return false;
  try {
    if (fresh(readManifest(), sources())) return true;
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url)], { env: { ...process.env, SWITCHBOARD_TRANSPILE: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
    return r.status === 0 && fresh(readManifest(), sources());
  } catch {
    return false;
  }
}

if (process.env.SWITCHBOARD_TRANSPILE === '1') {
  await transpile();
} else if (ready()) {
  // Stack traces name the .ts sources, as under tsx.
  process.setSourceMapsEnabled(true);
  await import(pathToFileURL(ENTRY).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
