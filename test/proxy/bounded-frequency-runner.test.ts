/**
 * BoundedFrequencyRunner with a fake clock (no sleeps): burst, coalescing,
 * min interval, max interval, retryAfter, no overlap.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BoundedFrequencyRunner, type Clock } from '../../src/proxy/index.ts';

class FakeClock implements Clock {
  t = 1_000_000;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private nextId = 1;
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  }
  clearTimeout(h: unknown): void {
    this.timers = this.timers.filter((x) => x.id !== h);
  }
  /** Advances time, firing due timers in order, letting microtasks run between them. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await flush();
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers[0];
      if (!next || next.at > end) break;
      this.timers.shift();
      this.t = next.at;
      next.fn();
    }
    this.t = end;
    await flush();
  }
}

async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

function setup(min: number, max: number, burst = 2) {
  const clock = new FakeClock();
  const runs: number[] = [];
  const r = new BoundedFrequencyRunner(
    async () => {
      runs.push(clock.now());
    },
    { minIntervalMs: min, maxIntervalMs: max, burst, clock },
  );
  return { clock, runs, r };
}

test('nothing runs before start(); a request made before start runs right after it', async () => {
  const { clock, runs, r } = setup(1000, 10_000);
  r.run();
  await clock.advance(5000);
  assert.equal(runs.length, 0);
  r.start();
  await flush();
  assert.equal(runs.length, 1);
  r.stop();
});

test('requests in one tick coalesce into one run', async () => {
  const { clock, runs, r } = setup(1000, 60_000);
  r.start();
  for (let i = 0; i < 100; i++) r.run();
  await clock.advance(0);
  assert.equal(runs.length, 1);
  r.stop();
});

test('burst of 2 runs at once, then one run per minInterval', async () => {
  const { clock, runs, r } = setup(1000, 60_000);
  r.start();
  r.run();
  await clock.advance(1);
  r.run();
  await clock.advance(1);
  assert.equal(runs.length, 2, 'two burst runs immediately');
  r.run();
  await clock.advance(1);
  assert.equal(runs.length, 2, 'third waits for a token');
  r.run(); // coalesces with the waiting one
  await clock.advance(1000);
  assert.equal(runs.length, 3);
  assert.ok(runs[2]! - runs[0]! >= 1000 && runs[2]! - runs[0]! <= 1001, `third run at +${runs[2]! - runs[0]!} ms`);
  r.stop();
});

test('minInterval 0 runs on every (separate-tick) request', async () => {
  const { clock, runs, r } = setup(0, 60_000);
  r.start();
  for (let i = 0; i < 5; i++) {
    r.run();
    await clock.advance(1);
  }
  assert.equal(runs.length, 5);
  r.stop();
});

test('maxInterval forces a periodic run', async () => {
  const { clock, runs, r } = setup(1000, 30_000);
  r.start();
  await clock.advance(30_000);
  assert.equal(runs.length, 1);
  await clock.advance(30_000);
  assert.equal(runs.length, 2);
  r.stop();
});

test('retryAfter brings the next run forward; it never postpones one', async () => {
  const { clock, runs, r } = setup(100, 30_000);
  r.start();
  r.retryAfter(500);
  await clock.advance(499);
  assert.equal(runs.length, 0);
  await clock.advance(1);
  assert.equal(runs.length, 1);
  r.retryAfter(50_000); // later than the periodic run: no effect
  await clock.advance(30_000);
  assert.equal(runs.length, 2);
  r.stop();
});

test('runs never overlap; a request during a run is served after it', async () => {
  const clock = new FakeClock();
  let active = 0;
  let maxActive = 0;
  let release!: () => void;
  let runs = 0;
  const r = new BoundedFrequencyRunner(
    async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      runs++;
      if (runs === 1) await new Promise<void>((res) => (release = res));
      active--;
    },
    { minIntervalMs: 0, maxIntervalMs: 60_000, clock },
  );
  r.start();
  r.run();
  await flush();
  r.run();
  r.run();
  await flush();
  assert.equal(runs, 1);
  release();
  await clock.advance(1);
  assert.equal(runs, 2);
  assert.equal(maxActive, 1);
  r.stop();
});

test('a throwing run is reported and the runner keeps going', async () => {
  const clock = new FakeClock();
  const errors: unknown[] = [];
  let n = 0;
  const r = new BoundedFrequencyRunner(
    async () => {
      n++;
      if (n === 1) throw new Error('boom');
    },
    { minIntervalMs: 0, maxIntervalMs: 1000, clock, onError: (e) => errors.push(e) },
  );
  r.start();
  r.run();
  await clock.advance(1);
  await clock.advance(1000);
  assert.equal(errors.length, 1);
  assert.equal(n, 2);
  r.stop();
});
