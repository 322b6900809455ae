/**
 * bin/switchboard.js runs the TypeScript sources as transpiled ES modules
 * (node_modules/.cache/switchboard), not through tsx's loader thread. Checked
 * on a copy of the launcher over a small source tree of its own: the program
 * runs; relative imports, `new URL('./x.ts', import.meta.url)` and a
 * non-TypeScript `new URL` resolve as in the sources; an edited, added or
 * deleted source is picked up on the next start; and with SWITCHBOARD_TSX=1
 * (or when the copy cannot be made) tsx's loader runs the same sources.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = new URL('../..', import.meta.url).pathname;

function tree(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sb-bin-'));
  mkdirSync(join(dir, 'bin'));
  cpSync(join(ROOT, 'bin/switchboard.js'), join(dir, 'bin/switchboard.js'));
  cpSync(join(ROOT, 'tsconfig.json'), join(dir, 'tsconfig.json'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  mkdirSync(join(dir, 'node_modules'));
  for (const p of ['tsx', 'esbuild', '@esbuild', 'get-tsconfig', 'resolve-pkg-maps']) {
    if (existsSync(join(ROOT, 'node_modules', p))) symlinkSync(join(ROOT, 'node_modules', p), join(dir, 'node_modules', p));
  }
  mkdirSync(join(dir, 'src/cli'), { recursive: true });
  mkdirSync(join(dir, 'src/lib'));
  writeFileSync(join(dir, 'src/lib/greet.ts'), `export const greet = (who: string): string => \`hello \${who}\`;\n`);
  writeFileSync(join(dir, 'src/lib/plugin.ts'), `export const name: string = 'plugin v1';\n`);
  writeFileSync(
    join(dir, 'src/cli/main.ts'),
    [
      `import { greet } from '../lib/greet.ts';`,
      `import { fileURLToPath } from 'node:url';`,
      `interface Out { line: string }`,
      `const plugin = new URL('../lib/plugin.ts', import.meta.url);`,
      `const mod = (await import(plugin.href)) as { name: string };`,
      `const bin = fileURLToPath(new URL('../../bin/switchboard.js', import.meta.url));`,
      `const out: Out = { line: [greet('world'), mod.name, bin].join('|') };`,
      `console.log(out.line);`,
      '',
    ].join('\n'),
  );
  return dir;
}

const run = (dir: string, env: Record<string, string> = {}) =>
  execFileSync(process.execPath, [join(dir, 'bin/switchboard.js')], { env: { ...process.env, ...env }, encoding: 'utf8' }).trim();

test('the launcher runs transpiled sources and picks up every change', () => {
  const dir = tree();
  try {
    const bin = join(dir, 'bin/switchboard.js');
    assert.equal(run(dir), `hello world|plugin v1|${bin}`);
    assert.ok(existsSync(join(dir, 'node_modules/.cache/switchboard/src/cli/main.mjs')), 'ran from the transpiled copy');

    // An edit of the same size and a new file are both picked up.
    writeFileSync(join(dir, 'src/lib/plugin.ts'), `export const name: string = 'plugin v2';\n`);
    writeFileSync(join(dir, 'src/lib/extra.ts'), `export const extra = 1;\n`);
    assert.equal(run(dir), `hello world|plugin v2|${bin}`);
    assert.ok(existsSync(join(dir, 'node_modules/.cache/switchboard/src/lib/extra.mjs')));

    // A deleted source leaves no stale copy behind.
    rmSync(join(dir, 'src/lib/extra.ts'));
    assert.equal(run(dir), `hello world|plugin v2|${bin}`);
    assert.ok(!existsSync(join(dir, 'node_modules/.cache/switchboard/src/lib/extra.mjs')));

    // The same program under tsx's loader, on request or when the cache cannot be written.
    assert.equal(run(dir, { SWITCHBOARD_TSX: '1' }), `hello world|plugin v2|${bin}`);
    rmSync(join(dir, 'node_modules/.cache'), { recursive: true, force: true });
    writeFileSync(join(dir, 'node_modules/.cache'), 'not a directory');
    writeFileSync(join(dir, 'src/lib/plugin.ts'), `export const name: string = 'plugin v3';\n`);
    assert.equal(run(dir), `hello world|plugin v3|${bin}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
