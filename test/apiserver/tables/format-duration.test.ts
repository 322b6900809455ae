import { test } from 'node:test';
import assert from 'node:assert/strict';
import { humanDuration, shortHumanDuration, translateTimestampSince } from '../../../src/apiserver/tables/index.ts';
import { DURATION, NOW, ago } from './helpers.ts';

const { s, m, h, d } = DURATION;

const human: { name: string; input: number; want: string }[] = [
  { name: 'zero', input: 0, want: '0s' },
  { name: 'skew under 2s is now', input: -1500, want: '0s' },
  { name: 'skew of 2s is invalid', input: -2 * s, want: '<invalid>' },
  { name: 'sub-second truncates', input: 999, want: '0s' },
  { name: 'seconds up to 119', input: 119 * s + 999, want: '119s' },
  { name: 'two minutes exactly', input: 2 * m, want: '2m' },
  { name: 'minutes and seconds under 10m', input: 2 * m + 3 * s, want: '2m3s' },
  { name: 'last minute-second form', input: 9 * m + 59 * s, want: '9m59s' },
  { name: 'whole minutes from 10m', input: 10 * m + 30 * s, want: '10m' },
  { name: 'minutes up to 3h', input: 179 * m + 59 * s, want: '179m' },
  { name: 'three hours', input: 3 * h, want: '3h' },
  { name: 'hours and minutes under 8h', input: 3 * h + 5 * m, want: '3h5m' },
  { name: 'whole hours from 8h', input: 8 * h + 59 * m, want: '8h' },
  { name: 'hours up to 48h', input: 47 * h + 59 * m, want: '47h' },
  { name: 'two days', input: 48 * h, want: '2d' },
  { name: 'days and hours under 8d', input: 7 * d + 23 * h, want: '7d23h' },
  { name: 'whole days from 8d', input: 8 * d + 5 * h, want: '8d' },
  { name: 'days up to 2y', input: 729 * d, want: '729d' },
  { name: 'two years', input: 730 * d, want: '2y' },
  { name: 'years and days under 8y', input: 731 * d, want: '2y1d' },
  { name: 'whole years from 8y', input: 3000 * d, want: '8y' },
];
for (const row of human) {
  test(`humanDuration: ${row.name}`, () => assert.equal(humanDuration(row.input), row.want));
}

const short: { name: string; input: number; want: string }[] = [
  { name: 'seconds', input: 59 * s, want: '59s' },
  { name: 'minutes', input: 60 * s, want: '1m' },
  { name: 'hours', input: 23 * h + 59 * m, want: '23h' },
  { name: 'days', input: 364 * d, want: '364d' },
  { name: 'years', input: 365 * d, want: '1y' },
  { name: 'invalid', input: -3 * s, want: '<invalid>' },
];
for (const row of short) {
  test(`shortHumanDuration: ${row.name}`, () => assert.equal(shortHumanDuration(row.input), row.want));
}

const since: { name: string; input: unknown; want: string }[] = [
  { name: 'absent is unknown', input: undefined, want: '<unknown>' },
  { name: 'null is unknown', input: null, want: '<unknown>' },
  { name: 'Go zero time is unknown', input: '0001-01-01T00:00:00Z', want: '<unknown>' },
  { name: 'RFC3339', input: ago(5 * s), want: '5s' },
  { name: 'MicroTime', input: '2025-06-01T11:57:56.123456Z', want: '2m3s' },
  { name: 'future beyond skew', input: '2025-06-01T12:00:05Z', want: '<invalid>' },
];
for (const row of since) {
  test(`translateTimestampSince: ${row.name}`, () => assert.equal(translateTimestampSince(row.input, NOW), row.want));
}
