/**
 * Small formatting rules shared by several printers, each a copy of the Go
 * helper it is named after.
 */
import type { KubeObject } from '../../api/types.ts';
import type { TableColumnDefinition } from './table-types.ts';
import { OBJECT_META } from './descriptions.ts';

/** labels.FormatLabels: "k=v,k2=v2" with keys sorted, or "<none>" when empty. */
export function formatLabels(labels: Record<string, string> | null | undefined): string {
  const keys = Object.keys(labels ?? {}).sort(compareStrings);
  if (keys.length === 0) return '<none>';
  return keys.map((k) => `${k}=${labels![k]}`).join(',');
}

/** Go's string ordering (bytewise); matches sets.String.List() for ASCII keys. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Sorted, de-duplicated, like sets.NewString(...).List(). */
export function sortedSet(values: Iterable<string>): string[] {
  return [...new Set(values)].sort(compareStrings);
}

export { joinHostPort } from '../../api/validation/ip.ts';

/**
 * printers' "max 3, then + N more..." rule for endpoint lists.
 * `count` is the total number of entries, of which `shown` were kept.
 */
export function withMore(shown: string[], count: number, max: number): string {
  const joined = shown.join(',');
  return count > max ? `${joined} + ${count - max} more...` : joined;
}

/** listWithMoreString: like withMore, but an empty list prints "<unset>". */
export function listWithMoreString(shown: string[], count: number, max: number): string {
  const s = withMore(shown, count, max);
  return s === '' ? '<unset>' : s;
}

export function objectName(obj: KubeObject): string {
  return obj.metadata?.name ?? '';
}

/** The two columns every printer starts/ends with. */
export const NAME_COLUMN: TableColumnDefinition = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description: OBJECT_META.name,
  priority: 0,
};

export const AGE_COLUMN: TableColumnDefinition = {
  name: 'Age',
  type: 'string',
  format: '',
  description: OBJECT_META.creationTimestamp,
  priority: 0,
};

/** Shorthand for a column with no format. */
export function column(
  name: string,
  type: TableColumnDefinition['type'],
  description: string,
  priority = 0,
): TableColumnDefinition {
  return { name, type, format: '', description, priority };
}
