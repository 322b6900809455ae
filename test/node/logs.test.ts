/** Log files: line splitting, timestamps from the growth index, tail, since, limit, follow. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatLogTime, splitLines, streamLog, tailStart, timeAt, type LogIndex } from '../../src/node/logs.ts';

test('splitLines keeps newlines and a partial last line', () => {
  assert.deepEqual(
    splitLines(Buffer.from('a\nbb\nc'), 10).map((l) => [l.offset, l.bytes.toString()]),
    [
      [10, 'a\n'],
      [12, 'bb\n'],
      [15, 'c'],
    ],
  );
});

test('timeAt: the first index entry past the offset', () => {
  const idx: LogIndex = [
    [5, 100],
    [9, 200],
  ];
  assert.equal(timeAt(idx, 0, 999), 100);
  assert.equal(timeAt(idx, 4, 999), 100);
  assert.equal(timeAt(idx, 5, 999), 200);
  assert.equal(timeAt(idx, 9, 999), 999);
  assert.equal(formatLogTime(Date.UTC(2025, 0, 2, 3, 4, 5, 67)), '2025-01-02T03:04:05.067000000Z');
});

test('read: tailLines, sinceMs, limitBytes, timestamps; follow streams until the writer stops', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sb-logs-'));
  try {
    const f = join(dir, '0.log');
    writeFileSync(f, 'one\ntwo\nthree\n');
    const idx: LogIndex = [
      [4, 1000],
      [14, 2000],
    ];
    assert.equal(await tailStart(f, 1), 8);
    assert.equal(await tailStart(f, 2), 4);
    assert.equal(await tailStart(f, 10), 0);
    assert.equal(await tailStart(f, 0), 14);
    const read = async (o: Parameters<typeof streamLog>[1]) => {
      const out: Buffer[] = [];
      await streamLog(f, o, (b) => void out.push(b), { index: () => idx });
      return Buffer.concat(out).toString();
    };
    assert.equal(await read({}), 'one\ntwo\nthree\n');
    assert.equal(await read({ tailLines: 2 }), 'two\nthree\n');
    assert.equal(await read({ sinceMs: 1500 }), 'two\nthree\n');
    assert.equal(await read({ limitBytes: 6 }), 'one\ntw');
    assert.equal(await read({ tailLines: 1, timestamps: true }), '1970-01-01T00:00:02.000000000Z three\n');
    let active = true;
    const got: string[] = [];
    const follow = streamLog(f, { follow: true, tailLines: 0 }, (b) => void got.push(b.toString()), { index: () => idx, active: () => active, pollMs: 20 });
    await new Promise((r) => setTimeout(r, 60));
    appendFileSync(f, 'four\nfi');
    await new Promise((r) => setTimeout(r, 60));
    appendFileSync(f, 've\n');
    await new Promise((r) => setTimeout(r, 60));
    active = false;
    await follow;
    assert.equal(got.join(''), 'four\nfive\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
