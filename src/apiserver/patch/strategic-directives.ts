// The vocabulary of strategic merge patch: the `$` keys a patch may carry and
// how a field's declared patch strategy is read.
import { isJsonObject, setOwn, type JsonObject } from './json-value.js';
import type { FieldPatchInfo, PatchMeta } from './patch-meta.js';
import {
  badPrimitiveListFormat,
  badSetElementOrderFormat,
  unexpectedPatchStrategy,
  unknownPatchType,
} from './strategic-merge-errors.js';

export const DIRECTIVE_MARKER = '$patch';
export const RETAIN_KEYS_DIRECTIVE = '$retainKeys';
export const SET_ELEMENT_ORDER_PREFIX = '$setElementOrder';
export const DELETE_FROM_PRIMITIVE_LIST_PREFIX = '$deleteFromPrimitiveList';

export type ParallelListPrefix = typeof SET_ELEMENT_ORDER_PREFIX | typeof DELETE_FROM_PRIMITIVE_LIST_PREFIX;

/**
 * The list field a parallel-list directive key (`$setElementOrder/<field>`,
 * `$deleteFromPrimitiveList/<field>`) refers to; a key that starts with the
 * prefix but is not exactly `<prefix>/<field>` is a 400, as in Kubernetes.
 */
export function parallelListTarget(key: string, prefix: ParallelListPrefix): string {
  const slash = key.indexOf('/');
  if (slash < 0 || key.slice(0, slash) !== prefix) {
    throw prefix === SET_ELEMENT_ORDER_PREFIX ? badSetElementOrderFormat() : badPrimitiveListFormat();
  }
  return key.slice(slash + 1);
}

export function isParallelListKey(key: string): boolean {
  return key.startsWith(SET_ELEMENT_ORDER_PREFIX) || key.startsWith(DELETE_FROM_PRIMITIVE_LIST_PREFIX);
}

export function hasDirectiveMarker(value: unknown): value is JsonObject {
  return isJsonObject(value) && Object.prototype.hasOwnProperty.call(value, DIRECTIVE_MARKER);
}

/** How a field merges, once "retainKeys" (which only matters to patch generation) is set aside. */
export interface FieldStrategy {
  /** "merge" merges lists by key or value; "replace" replaces maps wholesale; "" is the default. */
  strategy: string;
  mergeKey: string;
  meta: PatchMeta | undefined;
}

/** Reads a field's strategy the way extractRetainKeysPatchStrategy does. */
export function fieldStrategy(parent: PatchMeta | undefined, field: string): FieldStrategy {
  const info: FieldPatchInfo | undefined = parent?.fieldMeta(field);
  const strategies = info?.patchStrategy ? info.patchStrategy.split(',') : [];
  return { strategy: strategyBesidesRetainKeys(strategies), mergeKey: info?.patchMergeKey ?? '', meta: info?.meta };
}

function strategyBesidesRetainKeys(strategies: readonly string[]): string {
  const [first, second] = strategies;
  if (strategies.length === 0) return '';
  if (strategies.length === 1) return first === 'retainKeys' ? '' : first;
  if (strategies.length === 2 && first === 'retainKeys') return second;
  if (strategies.length === 2 && second === 'retainKeys') return first;
  throw unexpectedPatchStrategy(strategies);
}

/** Marks a value that must not be stored at all. */
export const DROP = Symbol('drop');

/**
 * The value a patch fragment leaves behind where nothing existed before:
 * what merging it into nothing yields. Nulls vanish (there is nothing to
 * delete), `$patch: delete` vanishes, `$patch: replace` keeps its content,
 * list elements carrying `$patch` vanish, and parallel-list and retainKeys
 * keys are dropped. Kubernetes stores some of those directives verbatim and
 * then loses them when decoding into typed structs; we have no typed
 * structs, so we must clean them here.
 */
export function valueWithoutDirectives(value: unknown): unknown {
  if (value === null) return DROP;
  if (Array.isArray(value)) {
    return value.filter((item) => !hasDirectiveMarker(item)).map((item) => (item === null ? null : valueWithoutDirectives(item)));
  }
  if (!isJsonObject(value)) return value;
  if (hasDirectiveMarker(value)) {
    const directive = value[DIRECTIVE_MARKER];
    if (directive === 'delete') return DROP;
    if (directive !== 'replace') throw unknownPatchType(directive, value);
  }
  const cleaned: JsonObject = {};
  for (const [key, child] of Object.entries(value)) {
    if (key === DIRECTIVE_MARKER || key === RETAIN_KEYS_DIRECTIVE || isParallelListKey(key)) continue;
    const cleanedChild = valueWithoutDirectives(child);
    if (cleanedChild !== DROP) setOwn(cleaned, key, cleanedChild);
  }
  return cleaned;
}
