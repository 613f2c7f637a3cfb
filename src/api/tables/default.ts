// Tables for kinds without a dedicated printer.

import { AGE_COLUMN, CREATION_TIMESTAMP_DESCRIPTION, NAME_COLUMN, column } from './columns.js';
import { parseTimestamp, timeSince } from './duration.js';
import { nameOf } from './fields.js';
import type { TablePrinter } from './printer.js';

/** Go's zero time.Time formatted as RFC3339, which the default convertor prints for a missing timestamp. */
const ZERO_TIME_RFC3339 = '0001-01-01T00:00:00Z';

/**
 * k8s.io/apiserver's default table convertor (rest.NewDefaultTableConvertor):
 * NAME plus CREATED AT, a "date" column carrying the RFC3339 UTC timestamp
 * itself rather than an age.
 */
export const defaultPrinter: TablePrinter = {
  columns: [NAME_COLUMN, column('Created At', 'date', CREATION_TIMESTAMP_DESCRIPTION)],
  cells(obj) {
    const createdMs = parseTimestamp(obj.metadata.creationTimestamp);
    // Second precision, no fractional part: Go's time.RFC3339 layout.
    const createdAt = createdMs === undefined ? ZERO_TIME_RFC3339 : new Date(createdMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
    return [nameOf(obj), createdAt];
  },
};

/**
 * What apiextensions-apiserver shows for a custom resource whose CRD declares
 * no additionalPrinterColumns: defaulting adds an "Age" column of type date
 * over .metadata.creationTimestamp, and the server humanises it.
 */
export const customResourcePrinter: TablePrinter = {
  columns: [NAME_COLUMN, { ...AGE_COLUMN, type: 'date' }],
  cells(obj, nowMs) {
    // A JSONPath that finds nothing yields a null cell rather than "<unknown>".
    const created = obj.metadata.creationTimestamp;
    return [nameOf(obj), parseTimestamp(created) === undefined ? null : timeSince(created, nowMs)];
  },
};
