/**
 * Server-side Table printing (Accept: application/json;as=Table;g=meta.k8s.io;v=v1),
 * as kube-apiserver does it: the resource's printer from
 * pkg/printers/internalversion run with Wide=true (every column, kubectl hides
 * priority > 0 unless -o wide), then the row objects reduced per
 * includeObject (endpoints/handlers/response.go asTable).
 *
 * Contract: pure and deterministic for a given `now`; never mutates its input;
 * rows keep the order of `objects` (the caller sorts, as storage lists do).
 */
import type { KubeObject } from '../../api/types.ts';
import type {
  BuildTableOptions,
  IncludeObject,
  PartialObjectMetadata,
  ResourcePrinter,
  Table,
  TableListMeta,
  TableRow,
} from './table-types.ts';
import { defaultPrinter } from './default-table.ts';
import { endpointSlicePrinter, endpointsPrinter } from './print-endpoints.ts';
import { eventPrinter } from './print-event.ts';
import { leasePrinter } from './print-lease.ts';
import { namespacePrinter } from './print-namespace.ts';
import { nodePrinter } from './print-node.ts';
import { podPrinter } from './print-pod.ts';
import { servicePrinter } from './print-service.ts';

export type {
  BuildTableOptions,
  IncludeObject,
  PartialObjectMetadata,
  PrintedRow,
  ResourcePrinter,
  Table,
  TableCell,
  TableColumnDefinition,
  TableListMeta,
  TableRow,
  TableRowCondition,
} from './table-types.ts';
export { humanDuration, shortHumanDuration, translateTimestampSince } from './format-duration.ts';

/** Printers by "group/resource" (core group = ""). */
const PRINTERS: ReadonlyMap<string, ResourcePrinter> = new Map([
  ['/services', servicePrinter],
  ['/pods', podPrinter],
  ['/endpoints', endpointsPrinter],
  ['/nodes', nodePrinter],
  ['/namespaces', namespacePrinter],
  ['/events', eventPrinter],
  ['discovery.k8s.io/endpointslices', endpointSlicePrinter],
  ['coordination.k8s.io/leases', leasePrinter],
]);

/** The printer the real server uses for this resource, or the default (Name, Created At) one. */
export function printerFor(resource: string, group: string): ResourcePrinter {
  return PRINTERS.get(`${group}/${resource}`) ?? defaultPrinter;
}

/** Builds the Table for a list (or a single object, as a one-element array). */
export function buildTable(resource: string, group: string, objects: KubeObject[], opts: BuildTableOptions): Table {
  const printer = printerFor(resource, group);
  const rows = objects.map((obj): TableRow => {
    const printed = printer.printRow(obj, opts.now);
    const row: TableRow = { cells: printed.cells };
    if (printed.conditions) row.conditions = printed.conditions;
    const object = rowObject(obj, opts.includeObject);
    if (object) row.object = object;
    return row;
  });
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: tableMetadata(objects, opts.listMeta),
    columnDefinitions: opts.omitHeaders ? [] : printer.columns.map((c) => ({ ...c })),
    rows,
  };
}

/** includeObject: Metadata (kubectl's default) → PartialObjectMetadata, Object → as stored, None → nothing. */
function rowObject(obj: KubeObject, include: IncludeObject): KubeObject | PartialObjectMetadata | undefined {
  switch (include) {
    case 'None':
      return undefined;
    case 'Object':
      return obj;
    case 'Metadata':
      return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
  }
}

/** ListMeta with Go's omitempty: only the fields that are set. */
function tableMetadata(objects: KubeObject[], listMeta: TableListMeta | undefined): TableListMeta {
  const src: TableListMeta = listMeta ?? (objects.length === 1 ? { resourceVersion: objects[0].metadata?.resourceVersion } : {});
  const out: TableListMeta = {};
  if (src.resourceVersion) out.resourceVersion = src.resourceVersion;
  if (src.continue) out.continue = src.continue;
  if (src.remainingItemCount !== undefined && src.remainingItemCount !== null) out.remainingItemCount = src.remainingItemCount;
  return out;
}
