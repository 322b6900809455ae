/**
 * Fuzzing: 10,000 random and mutated bodies must each either decode to plain
 * JSON data or throw a 400 ApiError — never another exception, never hang.
 * Deterministic (seeded PRNG); set PROTOBUF_FUZZ_SEED to explore other seeds.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiError } from '../../../src/api/status.ts';
import { decodeKubernetesProtobuf } from '../../../src/api/protobuf/index.ts';
import { EDGE_CASES } from './edge-cases.ts';
import { prng } from '../../helpers/prng.ts';

const ITERATIONS = 10_000;
const TIME_LIMIT_MS = 30_000;
const SEED = Number(process.env['PROTOBUF_FUZZ_SEED'] ?? 0x5eed);

const TESTDATA = join(fileURLToPath(new URL('.', import.meta.url)), 'testdata');
const seeds: Buffer[] = [
  ...readdirSync(TESTDATA)
    .filter((f) => f.endsWith('.pb'))
    .sort()
    .map((f) => readFileSync(join(TESTDATA, f))),
  ...EDGE_CASES.map((c) => c.body),
];
const MAGIC = Buffer.from('k8s\0', 'latin1');

function mutate(rand: () => number): Buffer {
  const int = (n: number): number => Math.floor(rand() * n);
  const pick = (): Buffer => seeds[int(seeds.length)]!;
  const randomBytes = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => (rand() < 0.3 ? [0x80, 0xff, 0x0a, 0x12, 0x1a, 0x00, 0x7f, 0x08][int(8)]! : int(256))));
  const kind = int(10);
  if (kind === 0) return Buffer.concat([MAGIC, randomBytes(int(64))]); // garbage after the magic
  if (kind === 1) return randomBytes(int(16)); // no magic at all (mostly)
  let b = Buffer.from(pick());
  const edits = rand() < 0.5 ? 1 : 1 + int(4);
  for (let e = 0; e < edits && b.length > 0; e++) {
    const at = int(b.length);
    switch (int(7)) {
      case 0: // flip a bit
        b[at] = b[at]! ^ (1 << int(8));
        break;
      case 1: // overwrite a byte
        b[at] = int(256);
        break;
      case 2: // truncate
        b = b.subarray(0, at);
        break;
      case 3: // delete a range
        b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + int(8)))]);
        break;
      case 4: // insert bytes
        b = Buffer.concat([b.subarray(0, at), randomBytes(1 + int(6)), b.subarray(at)]);
        break;
      case 5: // duplicate a range (repeats fields, breaks lengths)
        {
          const end = Math.min(b.length, at + 1 + int(32));
          b = Buffer.concat([b.subarray(0, end), b.subarray(at, end), b.subarray(end)]);
        }
        break;
      case 6: // splice the tail of another seed
        {
          const o = pick();
          b = Buffer.concat([b.subarray(0, at), o.subarray(int(o.length))]);
        }
        break;
    }
  }
  return b;
}

it(`protobuf fuzz: ${ITERATIONS} mutated bodies decode or fail with 400 (seed ${SEED})`, () => {
  const rand = prng(SEED);
  const started = Date.now();
  let decoded = 0;
  let rejected = 0;
  let slowest = 0;
  for (let i = 0; i < ITERATIONS; i++) {
    const body = mutate(rand);
    const t0 = performance.now();
    try {
      const out = decodeKubernetesProtobuf(body);
      // plain JSON data only: no undefined, NaN, Buffers, functions or cycles
      assert.deepEqual(JSON.parse(JSON.stringify(out)), out, `iteration ${i}: output is not plain JSON`);
      decoded++;
    } catch (e) {
      if (!(e instanceof ApiError) || e.code !== 400) {
        throw new Error(`iteration ${i} (seed ${SEED}): ${body.toString('hex')} threw ${e instanceof Error ? e.stack : String(e)}`);
      }
      rejected++;
    }
    slowest = Math.max(slowest, performance.now() - t0);
    assert.ok(Date.now() - started < TIME_LIMIT_MS, `fuzzing exceeded ${TIME_LIMIT_MS}ms at iteration ${i}`);
  }
  assert.equal(decoded + rejected, ITERATIONS);
  // both outcomes must be exercised, or the mutator is not doing its job
  assert.ok(decoded > ITERATIONS / 50, `only ${decoded} decoded`);
  assert.ok(rejected > ITERATIONS / 4, `only ${rejected} rejected`);
  console.log(`# fuzz: ${decoded} decoded, ${rejected} rejected, slowest ${slowest.toFixed(2)}ms, total ${Date.now() - started}ms`);
  assert.ok(slowest < 1000, `one body took ${slowest.toFixed(1)}ms`);
});
