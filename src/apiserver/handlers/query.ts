// Query parameters shared by the REST verbs.
import { badRequest } from '../errors.js';
import { parseLabelSelector, SelectorParseError } from '../selectors/label-selector.js';
import { FieldSelectorParseError, parseFieldSelector } from '../selectors/field-selector.js';
import type { ListOptions } from '../registry/resource-store.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export function parseFieldValidation(q: URLSearchParams): FieldValidation {
  const v = q.get('fieldValidation');
  if (v === null || v === '') return 'Warn';
  if (v === 'Strict' || v === 'Warn' || v === 'Ignore') return v;
  throw badRequest(`fieldValidation parameter unsupported: ${v}`);
}

export function parseDryRun(q: URLSearchParams): boolean {
  const values = q.getAll('dryRun');
  for (const v of values) if (v !== 'All') throw badRequest(`Invalid dryRun value: ${v}`);
  return values.length > 0;
}

export function parseListOptions(q: URLSearchParams): ListOptions {
  try {
    const limit = q.get('limit');
    return {
      labelSelector: parseLabelSelector(q.get('labelSelector') ?? ''),
      fieldSelector: parseFieldSelector(q.get('fieldSelector') ?? ''),
      limit: limit ? Number.parseInt(limit, 10) : undefined,
      continueToken: q.get('continue') || undefined,
      resourceVersion: q.get('resourceVersion') ?? undefined,
    };
  } catch (err) {
    if (err instanceof SelectorParseError || err instanceof FieldSelectorParseError) throw badRequest(err.message);
    throw err;
  }
}

