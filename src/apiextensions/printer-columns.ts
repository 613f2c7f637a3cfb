// Tables for custom resources: the Name column plus the CRD version's
// additionalPrinterColumns, each cell read with its JSONPath and typed as
// apiextensions-apiserver's table convertor types it (dates humanised to
// an age, strings printed as kubectl's JSONPath printer prints them).
import type { TableColumnDefinition } from '../api/types.js';
import type { TablePrinter } from '../api/strategy.js';
import { customResourcePrinter } from '../api/tables/index.js';
import { NAME_COLUMN } from '../api/tables/columns.js';
import { timeSince } from '../api/tables/duration.js';
import type { PrinterColumn } from './crd-types.js';
import { evaluateJsonPath, parseJsonPath } from './json-path.js';

function cell(type: string, value: unknown, nowMs: number): unknown {
  if (value === undefined || value === null) return null;
  switch (type) {
    case 'string':
      return typeof value === 'object' ? JSON.stringify(value) : String(value);
    case 'date':
      return typeof value === 'string' ? timeSince(value, nowMs) : null;
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value) ? value : null;
    case 'number':
      return typeof value === 'number' ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    default:
      return null;
  }
}

export function printerForColumns(columns: PrinterColumn[] | undefined): TablePrinter {
  if (!columns || columns.length === 0) return customResourcePrinter;
  const parsed = columns.map((c) => ({ column: c, steps: parseJsonPath(c.jsonPath) }));
  const definitions: TableColumnDefinition[] = [
    NAME_COLUMN,
    ...columns.map((c) => ({
      name: c.name,
      type: c.type as TableColumnDefinition['type'],
      format: c.format ?? '',
      description: c.description ?? '',
      priority: c.priority ?? 0,
    })),
  ];
  return {
    columns: definitions,
    cells(obj, nowMs) {
      return [obj.metadata.name ?? '', ...parsed.map(({ column, steps }) => cell(column.type, evaluateJsonPath(obj, steps), nowMs))];
    },
  };
}
