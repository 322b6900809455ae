/** Leases (coordination.k8s.io): NAME HOLDER AGE. Mirrors printLease. */
import type { KubeObject, Lease } from '../../api/types.ts';
import type { ResourcePrinter } from './table-types.ts';
import { LEASE_HOLDER } from './descriptions.ts';
import { AGE_COLUMN, NAME_COLUMN, column, objectName } from './format-helpers.ts';
import { translateTimestampSince } from './format-duration.ts';

export const leasePrinter: ResourcePrinter = {
  columns: [NAME_COLUMN, column('Holder', 'string', LEASE_HOLDER), AGE_COLUMN],
  printRow(obj: KubeObject, now: Date) {
    const lease = obj as Lease;
    return {
      cells: [
        objectName(lease),
        lease.spec?.holderIdentity ?? '',
        translateTimestampSince(lease.metadata?.creationTimestamp, now),
      ],
    };
  },
};
