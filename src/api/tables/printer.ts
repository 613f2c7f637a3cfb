// The contract every kind's printer fulfils; index.ts maps kinds onto them.

import type { KubeObject, TableColumnDefinition } from '../types.js';

export interface TablePrinter {
  /** Every column, including the priority-1 `-o wide` ones, in Kubernetes' order. */
  columns: TableColumnDefinition[];
  /**
   * One cell per column. kube-apiserver always prints the wide form and lets
   * kubectl drop priority-1 columns, so the wide cells are always present.
   * `nowMs` is the current time, injected so ages are deterministic in tests.
   */
  cells(obj: KubeObject, nowMs: number): unknown[];
}
