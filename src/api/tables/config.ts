// Configuration-carrying core kinds: ConfigMap, Secret, ServiceAccount.
// Their DATA/SECRETS cells are plain counts (Go int64, so JSON numbers).

import { AGE_COLUMN, NAME_COLUMN, column } from './columns.js';
import { timeSince } from './duration.js';
import { countKeys, listOf, nameOf } from './fields.js';
import type { TablePrinter } from './printer.js';

export const configMapPrinter: TablePrinter = {
  columns: [NAME_COLUMN, column('Data', 'string', 'Data contains the configuration data.'), AGE_COLUMN],
  cells(obj, nowMs) {
    const entries = countKeys(obj.data as object | undefined) + countKeys(obj.binaryData as object | undefined);
    return [nameOf(obj), entries, timeSince(obj.metadata.creationTimestamp, nowMs)];
  },
};

export const secretPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    column('Type', 'string', 'Used to facilitate programmatic handling of secret data.'),
    column('Data', 'string', 'Data contains the secret data.'),
    AGE_COLUMN,
  ],
  cells(obj, nowMs) {
    // stringData is write-only: Kubernetes merges it into data on the way in, so both count once per key.
    const keys = new Set([...Object.keys((obj.data as object | undefined) ?? {}), ...Object.keys((obj.stringData as object | undefined) ?? {})]);
    // "Opaque" is the type defaulting gives a Secret created without one.
    const type = typeof obj.type === 'string' && obj.type !== '' ? obj.type : 'Opaque';
    return [nameOf(obj), type, keys.size, timeSince(obj.metadata.creationTimestamp, nowMs)];
  },
};

export const serviceAccountPrinter: TablePrinter = {
  columns: [NAME_COLUMN, column('Secrets', 'string', 'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.'), AGE_COLUMN],
  cells(obj, nowMs) {
    return [nameOf(obj), listOf(obj.secrets as unknown[] | undefined).length, timeSince(obj.metadata.creationTimestamp, nowMs)];
  },
};
