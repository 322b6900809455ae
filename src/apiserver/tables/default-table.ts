/**
 * The apiserver's default table convertor (registry/rest/table.go), used for
 * any resource without a printer: NAME and CREATED AT, the latter as an
 * RFC3339 UTC timestamp cell of type "date" (kubectl renders it as an age).
 */
import type { KubeObject } from '../../api/types.ts';
import type { ResourcePrinter } from './table-types.ts';
import { OBJECT_META } from './descriptions.ts';
import { NAME_COLUMN, column, objectName } from './format-helpers.ts';
import { formatRFC3339 } from './format-duration.ts';

export const defaultPrinter: ResourcePrinter = {
  columns: [NAME_COLUMN, column('Created At', 'date', OBJECT_META.creationTimestamp)],
  printRow(obj: KubeObject) {
    return { cells: [objectName(obj), formatRFC3339(obj.metadata?.creationTimestamp)] };
  },
};
