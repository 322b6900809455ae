/** NodePort allocator: range, static subrange, exhaustion, parsing. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AlreadyAllocatedError, NodePortAllocator, NotInRangeError, RangeFullError, parsePortRange } from '../../src/allocators/index.ts';

test('default range 30000-32767 with an 86-port static band', () => {
  const a = new NodePortAllocator();
  assert.equal(a.range, '30000-32767');
  assert.equal(a.staticBand, 86);
  assert.equal(a.allocateNext(() => false, () => 0), 30086);
  assert.equal(a.allocateNext(() => false, () => 0.9999999), 32767);
});

test('exhaust a small range, "range is full", release and reuse', () => {
  const a = new NodePortAllocator({ base: 31000, size: 10 });
  assert.equal(a.staticBand, 0);
  const taken = new Set<number>();
  for (let i = 0; i < 10; i++) taken.add(a.allocateNext((p) => taken.has(p)));
  assert.deepEqual([...taken].sort(), [31000, 31001, 31002, 31003, 31004, 31005, 31006, 31007, 31008, 31009]);
  assert.throws(() => a.allocateNext((p) => taken.has(p)), (e: unknown) => e instanceof RangeFullError && e.message === 'range is full');
  taken.delete(31004);
  assert.equal(a.allocateNext((p) => taken.has(p)), 31004);
});

const requests: { name: string; port: number; taken?: number[]; error?: string; type?: Function }[] = [
  { name: 'free', port: 30080 },
  { name: 'taken', port: 30080, taken: [30080], error: 'provided port is already allocated', type: AlreadyAllocatedError },
  { name: 'below', port: 80, error: 'provided port is not in the valid range. The range of valid ports is 30000-32767', type: NotInRangeError },
  { name: 'above', port: 32768, error: 'provided port is not in the valid range. The range of valid ports is 30000-32767', type: NotInRangeError },
];
for (const r of requests) {
  test(`requested port: ${r.name}`, () => {
    const a = new NodePortAllocator();
    const taken = new Set(r.taken ?? []);
    if (!r.error) assert.equal(a.allocate(r.port, (p) => taken.has(p)), r.port);
    else assert.throws(() => a.allocate(r.port, (p) => taken.has(p)), (e: unknown) => e instanceof r.type! && (e as Error).message === r.error);
  });
}

test('parsePortRange', () => {
  assert.deepEqual(parsePortRange('30000-32767'), { base: 30000, size: 2768 });
  assert.deepEqual(parsePortRange('8080'), { base: 8080, size: 1 });
  assert.deepEqual(parsePortRange(' 20000 - 20010 '), { base: 20000, size: 11 });
  assert.equal(parsePortRange('0-10'), undefined);
  assert.equal(parsePortRange('3-1'), undefined);
  assert.equal(parsePortRange('1-70000'), undefined);
  assert.equal(parsePortRange('abc'), undefined);
});
