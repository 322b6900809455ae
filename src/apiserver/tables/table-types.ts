/**
 * The meta.k8s.io/v1 Table wire shape (apimachinery's metav1.Table) and the
 * contract every per-resource printer implements.
 */
import type { KubeObject, ObjectMeta } from '../../api/types.ts';

/**
 * One column header. Every key is always present on the wire (the Go struct
 * has no omitempty on them), so `format` is "" when unset and `priority` 0.
 */
export interface TableColumnDefinition {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format: string;
  description: string;
  /** 0 = always shown; > 0 = only with `kubectl get -o wide`. */
  priority: number;
}

/** A cell is whatever JSON the printer produced: kubectl prints it with %v. */
export type TableCell = string | number | boolean | null;

/** metav1.TableRowCondition; the pod printer marks finished pods "Completed". */
export interface TableRowCondition {
  type: 'Completed';
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
}

export interface PartialObjectMetadata {
  kind: 'PartialObjectMetadata';
  apiVersion: 'meta.k8s.io/v1';
  metadata: ObjectMeta;
}

export interface TableRow {
  cells: TableCell[];
  conditions?: TableRowCondition[];
  /** Absent for includeObject=None. */
  object?: KubeObject | PartialObjectMetadata;
}

export interface TableListMeta {
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
}

export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: TableListMeta;
  columnDefinitions: TableColumnDefinition[];
  rows: TableRow[];
}

export type IncludeObject = 'None' | 'Object' | 'Metadata';

export interface BuildTableOptions {
  /** kubectl get sends Metadata (its default); watches and -o custom-columns may differ. */
  includeObject: IncludeObject;
  /** The clock for Age-like cells; passed in so the output is deterministic. */
  now: Date;
  /**
   * The list's metadata. When absent and exactly one object is given (a GET of
   * one object), the table carries that object's resourceVersion, as the real
   * server does.
   */
  listMeta?: TableListMeta;
  /** TableOptions.noHeaders: rows only, no column definitions (later watch events). */
  omitHeaders?: boolean;
}

/** The cells (and row conditions) of one object, before the envelope is added. */
export interface PrintedRow {
  cells: TableCell[];
  conditions?: TableRowCondition[];
}

/**
 * A printer for one resource: Kubernetes' column definitions plus the row
 * function of pkg/printers/internalversion, always run as the server runs it
 * (GenerateOptions{Wide: true}): every row carries the priority > 0 cells too,
 * and kubectl drops them unless -o wide.
 *
 * Contract: `printRow` is pure, never throws on a malformed object (missing
 * fields print as Go's zero values), and returns exactly `columns.length` cells.
 */
export interface ResourcePrinter {
  columns: readonly TableColumnDefinition[];
  printRow(obj: KubeObject, now: Date): PrintedRow;
}
