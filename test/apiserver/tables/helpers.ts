/**
 * Shared fixtures for the table printer tests: a frozen clock and small
 * builders, so every row reads as plain data.
 */
import type { KubeObject, ObjectMeta } from '../../../src/api/types.ts';
import { buildTable, type TableCell } from '../../../src/apiserver/tables/index.ts';

export const NOW = new Date('2025-06-01T12:00:00Z');

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
export const DURATION = { s: S, m: M, h: H, d: D } as const;

/** An RFC3339 timestamp this long before NOW, e.g. ago(5 * DURATION.m). */
export function ago(ms: number): string {
  return new Date(NOW.getTime() - ms).toISOString().replace('.000Z', 'Z');
}

/** Metadata created 10 minutes before NOW (Age "10m"). */
export function meta(name: string, extra: Partial<ObjectMeta> = {}): ObjectMeta {
  return { name, namespace: 'default', uid: `uid-${name}`, resourceVersion: '7', creationTimestamp: ago(10 * M), ...extra };
}

/** The cells of the single row printed for `obj`. */
export function cellsOf(resource: string, group: string, obj: KubeObject): TableCell[] {
  const table = buildTable(resource, group, [obj], { includeObject: 'None', now: NOW });
  return table.rows[0].cells;
}
