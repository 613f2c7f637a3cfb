// Kubernetes strategic merge patch (application/strategic-merge-patch+json),
// the apply half of k8s.io/apimachinery/pkg/util/strategicpatch as
// kube-apiserver runs it: parallel lists are merged and nulls that match
// nothing are ignored.
import { PatchError } from './patch-error.js';
import { cloneJson, hasOwn, isJsonObject, setOwn, type JsonObject } from './json-value.js';
import { jsonKindName } from './go-format.js';
import type { PatchMeta } from './patch-meta.js';
import {
  DELETE_FROM_PRIMITIVE_LIST_PREFIX,
  DIRECTIVE_MARKER,
  DROP,
  RETAIN_KEYS_DIRECTIVE,
  SET_ELEMENT_ORDER_PREFIX,
  fieldStrategy,
  hasDirectiveMarker,
  isParallelListKey,
  parallelListTarget,
  valueWithoutDirectives,
} from './strategic-directives.js';
import {
  applyElementOrder,
  checkPatchFollowsElementOrder,
  deleteFromList,
  elementKind,
  mergeList,
} from './strategic-list-merge.js';
import { badArgType, badPrimitiveListFormat, badRetainKeysFormat, unknownPatchType } from './strategic-merge-errors.js';

/**
 * Applies a strategic merge patch to `original` and returns the result;
 * neither argument is mutated. `meta` describes the object's schema; fields
 * it does not describe (or all fields, without it) merge like a JSON merge
 * patch: maps recursively, lists replaced.
 *
 * Throws PatchError with kube-apiserver's code and message: 400 for
 * malformed directives it recognises (`$retainKeys`, parallel-list keys) and
 * for a patch that is not a JSON object, 422 for lists of lists, 500 for the
 * rest (`$patch: foo`, a missing merge key, an out-of-order patch list).
 */
export function applyStrategicMergePatch(
  original: Readonly<JsonObject>,
  patch: unknown,
  meta?: PatchMeta,
): JsonObject {
  // encoding/json leaves the map empty for a JSON null, so null is a no-op patch.
  if (patch === null) return cloneJson(original) as JsonObject;
  if (!isJsonObject(patch)) {
    throw PatchError.badRequest(
      `json: cannot unmarshal ${jsonKindName(patch)} into Go value of type map[string]interface {}`,
    );
  }
  return mergeMap(cloneJson(original) as JsonObject, cloneJson(patch), meta);
}

/** Merges `patch` into `original`, both private copies that may be mutated. */
function mergeMap(original: JsonObject, patch: JsonObject, meta: PatchMeta | undefined): JsonObject {
  if (hasOwn(patch, DIRECTIVE_MARKER)) return applyMapDirective(patch);
  applyRetainKeys(original, patch);
  applySetElementOrders(original, patch, meta);
  for (const [patchKey, patchValue] of Object.entries(patch)) {
    mergeField(original, patchKey, patchValue, meta);
  }
  return original;
}

/** `$patch` on a map: `replace` swaps in the patch's content, `delete` empties it. */
function applyMapDirective(patch: JsonObject): JsonObject {
  const directive = patch[DIRECTIVE_MARKER];
  if (directive === 'delete') return {};
  if (directive === 'replace') return valueWithoutDirectives(patch) as JsonObject;
  // Kubernetes accepts only these two on maps; even "merge" is unknown here.
  throw unknownPatchType(directive, patch);
}

/**
 * `$retainKeys`: fields of the original not in the list are cleared (how
 * `kubectl apply` drops `rollingUpdate` when the strategy becomes Recreate),
 * and the patch may only set fields the list names.
 */
function applyRetainKeys(original: JsonObject, patch: JsonObject): void {
  if (!hasOwn(patch, RETAIN_KEYS_DIRECTIVE)) return;
  const retained = patch[RETAIN_KEYS_DIRECTIVE];
  delete patch[RETAIN_KEYS_DIRECTIVE];
  if (!Array.isArray(retained)) throw badRetainKeysFormat();
  const keep = new Set<unknown>(retained);
  for (const [key, value] of Object.entries(patch)) {
    if (value !== null && !isParallelListKey(key) && !keep.has(key)) throw badRetainKeysFormat();
  }
  for (const key of Object.keys(original)) {
    if (!keep.has(key)) delete original[key];
  }
}

/**
 * `$setElementOrder/<field>`: merges the field's patch list (if any) and
 * orders the result. The patch list is consumed here so the field loop does
 * not merge it again.
 */
function applySetElementOrders(original: JsonObject, patch: JsonObject, meta: PatchMeta | undefined): void {
  for (const directiveKey of Object.keys(patch)) {
    if (!directiveKey.startsWith(SET_ELEMENT_ORDER_PREFIX)) continue;
    const order = patch[directiveKey];
    delete patch[directiveKey];
    if (!Array.isArray(order)) throw badArgType('list', order);
    const field = parallelListTarget(directiveKey, SET_ELEMENT_ORDER_PREFIX);
    const originalList = optionalList(original, field);
    const patchList = optionalList(patch, field);
    const { strategy, mergeKey, meta: fieldMeta } = fieldStrategy(meta, field);
    checkPatchFollowsElementOrder(patchList ?? [], order, mergeKey);
    if (originalList === undefined && patchList === undefined) continue;

    const merged =
      strategy === 'merge'
        ? mergeList(originalList ?? [], patchList ?? [], mergeKey, elementMerger(fieldMeta))
        : patchList === undefined
          ? (originalList ?? [])
          : (valueWithoutDirectives(patchList) as unknown[]);
    const ordered =
      elementKind(originalList ?? [], patchList ?? []) === undefined
        ? merged
        : applyElementOrder(merged, order, originalList ?? [], mergeKey);
    setOwn(original, field, ordered);
    delete patch[field];
  }
}

function optionalList(object: JsonObject, field: string): unknown[] | undefined {
  if (!hasOwn(object, field)) return undefined;
  const value = object[field];
  if (!Array.isArray(value)) throw badArgType('list', value);
  return value;
}

function elementMerger(listMeta: PatchMeta | undefined) {
  const itemsMeta = listMeta?.itemsMeta();
  return (original: JsonObject, patch: JsonObject): JsonObject => mergeMap(original, patch, itemsMeta);
}

function mergeField(original: JsonObject, patchKey: string, patchValue: unknown, meta: PatchMeta | undefined): void {
  const isDeleteList = patchKey.startsWith(DELETE_FROM_PRIMITIVE_LIST_PREFIX);
  const key = isDeleteList ? parallelListTarget(patchKey, DELETE_FROM_PRIMITIVE_LIST_PREFIX) : patchKey;

  if (patchValue === null) {
    delete original[key];
    return;
  }
  if (isDeleteList) {
    if (!Array.isArray(patchValue)) throw badPrimitiveListFormat();
    const current = hasOwn(original, key) ? original[key] : undefined;
    // Whatever the field's strategy, a deletion list only ever deletes.
    if (Array.isArray(current)) setOwn(original, key, deleteFromList(current, patchValue));
    return;
  }
  if (!hasOwn(original, key) || shapeOf(original[key]) !== shapeOf(patchValue) || shapeOf(patchValue) === 'scalar') {
    const fresh = valueWithoutDirectives(patchValue);
    if (fresh === DROP) delete original[key];
    else setOwn(original, key, fresh);
    return;
  }

  const { strategy, mergeKey, meta: fieldMeta } = fieldStrategy(meta, key);
  const current = original[key];
  if (Array.isArray(current)) {
    const patchList = patchValue as unknown[];
    setOwn(
      original,
      key,
      strategy === 'merge'
        ? mergeList(current, patchList, mergeKey, elementMerger(fieldMeta))
        : valueWithoutDirectives(patchList),
    );
  } else {
    const patchMap = patchValue as JsonObject;
    if (strategy === 'replace' && !hasDirectiveMarker(patchMap)) {
      setOwn(original, key, valueWithoutDirectives(patchMap));
    } else {
      setOwn(original, key, mergeMap(current as JsonObject, patchMap, fieldMeta));
    }
  }
}

function shapeOf(value: unknown): 'map' | 'list' | 'scalar' {
  if (Array.isArray(value)) return 'list';
  return isJsonObject(value) ? 'map' : 'scalar';
}
