/**
 * core/v1 Events: LAST SEEN TYPE REASON OBJECT [SUBOBJECT SOURCE] MESSAGE
 * [FIRST SEEN COUNT NAME]. Mirrors printEvent, including the fallbacks for
 * events written through the events.k8s.io API (eventTime, series, no count).
 */
import type { Event, KubeObject } from '../../api/types.ts';
import type { ResourcePrinter } from './table-types.ts';
import { EVENT, OBJECT_META } from './descriptions.ts';
import { column } from './format-helpers.ts';
import { parseTime, translateTimestampSince } from './format-duration.ts';

/** The v1 EventSeries, which types.ts does not model. */
interface EventSeries {
  count?: number;
  lastObservedTime?: string;
}

export const eventPrinter: ResourcePrinter = {
  columns: [
    column('Last Seen', 'string', EVENT.lastTimestamp),
    column('Type', 'string', EVENT.type),
    column('Reason', 'string', EVENT.reason),
    column('Object', 'string', EVENT.involvedObject),
    column('Subobject', 'string', EVENT.fieldPath, 1),
    column('Source', 'string', EVENT.source, 1),
    column('Message', 'string', EVENT.message),
    column('First Seen', 'string', EVENT.firstTimestamp, 1),
    column('Count', 'string', EVENT.count, 1),
    { name: 'Name', type: 'string', format: 'name', description: OBJECT_META.name, priority: 1 },
  ],
  printRow(obj: KubeObject, now: Date) {
    const ev = obj as Event;
    const series = (ev as { series?: EventSeries | null }).series;

    const firstSeen =
      parseTime(ev.firstTimestamp) === undefined
        ? translateTimestampSince(ev.eventTime, now)
        : translateTimestampSince(ev.firstTimestamp, now);
    let lastSeen = parseTime(ev.lastTimestamp) === undefined ? firstSeen : translateTimestampSince(ev.lastTimestamp, now);

    let count = ev.count ?? 0;
    if (series) {
      lastSeen = translateTimestampSince(series.lastObservedTime, now);
      count = series.count ?? 0;
    } else if (count === 0) {
      // Singleton events written through events.k8s.io carry no count.
      count = 1;
    }

    const involved = ev.involvedObject ?? {};
    const kind = (involved.kind ?? '').toLowerCase();
    const target = involved.name ? `${kind}/${involved.name}` : kind;

    return {
      cells: [
        lastSeen,
        ev.type ?? '',
        ev.reason ?? '',
        target,
        involved.fieldPath ?? '',
        formatEventSource(ev),
        (ev.message ?? '').trim(),
        firstSeen,
        count,
        ev.metadata?.name ?? '',
      ],
    };
  },
};

/**
 * formatEventSource: "component, host", host omitted when empty; the
 * reporting controller/instance stand in for an empty source.
 */
export function formatEventSource(ev: Event): string {
  const component = ev.source?.component || ev.reportingComponent || '';
  const instance = ev.source?.host || ev.reportingInstance || '';
  return instance === '' ? component : `${component}, ${instance}`;
}
