/** Namespaces: NAME STATUS AGE (status.phase verbatim). Mirrors printNamespace. */
import type { KubeObject, Namespace } from '../../api/types.ts';
import type { ResourcePrinter } from './table-types.ts';
import { NAMESPACE_STATUS } from './descriptions.ts';
import { AGE_COLUMN, NAME_COLUMN, column, objectName } from './format-helpers.ts';
import { translateTimestampSince } from './format-duration.ts';

export const namespacePrinter: ResourcePrinter = {
  columns: [NAME_COLUMN, column('Status', 'string', NAMESPACE_STATUS), AGE_COLUMN],
  printRow(obj: KubeObject, now: Date) {
    const ns = obj as Namespace;
    return {
      cells: [objectName(ns), ns.status?.phase ?? '', translateTimestampSince(ns.metadata?.creationTimestamp, now)],
    };
  },
};
