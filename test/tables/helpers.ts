// Shared fixtures: a fixed "now" and timestamps relative to it, so every age is exact.

import type { KubeObject } from '../../src/api/types.js';
import { tablePrinterFor } from '../../src/api/tables/index.js';

export const NOW_MS = Date.parse('2025-06-01T12:00:00Z');

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** RFC3339 (second precision, as the API serialises) for `now` minus the given span. */
export function ago(span: { d?: number; h?: number; m?: number; s?: number }): string {
  const ms = (span.d ?? 0) * DAY + (span.h ?? 0) * HOUR + (span.m ?? 0) * MINUTE + (span.s ?? 0) * SECOND;
  return new Date(NOW_MS - ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** An object of a kind created 3h before NOW_MS, with extra top-level fields and metadata overrides. */
export function object(kind: string, name: string, fields: Record<string, unknown> = {}, metadata: KubeObject['metadata'] = {}): KubeObject {
  return { kind, metadata: { name, namespace: 'default', creationTimestamp: ago({ h: 3 }), ...metadata }, ...fields };
}

/** The cells of `obj` as printed by the printer registered for group/kind. */
export function cellsOf(group: string, obj: KubeObject): unknown[] {
  return tablePrinterFor(group, obj.kind ?? '').cells(obj, NOW_MS);
}

/** Column names and priorities, the part of the definitions kubectl lays out. */
export function columnLayout(group: string, kind: string): string[] {
  return tablePrinterFor(group, kind).columns.map((c) => (c.priority === 1 ? `${c.name}*` : c.name));
}
