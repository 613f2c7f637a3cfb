// Merging of lists whose patch strategy is "merge": lists of scalars as
// ordered sets, lists of maps keyed by their merge key. The ordering rules
// follow strategicpatch's normalizeElementOrder: patch order first, and
// items only the server has keep their place relative to the patch items.
import { hasOwn, isJsonObject, jsonEqual, type JsonObject } from './json-value.js';
import { DIRECTIVE_MARKER, hasDirectiveMarker, valueWithoutDirectives } from './strategic-directives.js';
import {
  badArgType,
  cannotMergeWithoutMergeKey,
  elementNotAMap,
  elementTypesNotIdentical,
  listMergeDirectiveUnsupported,
  noListOfLists,
  noMergeKey,
  orderMismatch,
  unknownPatchType,
} from './strategic-merge-errors.js';

/** Merges a patch element into the original element it matched by merge key. */
export type MergeElement = (original: JsonObject, patch: JsonObject) => JsonObject;

export type ElementKind = 'map' | 'scalar';

/**
 * The common kind of the elements of `lists`, or undefined when they are all
 * empty. Mixed element types and nested lists are errors, as in Kubernetes.
 */
export function elementKind(...lists: readonly (readonly unknown[])[]): ElementKind | undefined {
  let seen: string | undefined;
  for (const list of lists) {
    for (const item of list) {
      const type = Array.isArray(item) ? 'list' : item === null ? 'null' : typeof item;
      if (seen === undefined) {
        if (type === 'list') throw noListOfLists();
        seen = type;
      } else if (seen !== type) {
        throw elementTypesNotIdentical(lists);
      }
    }
  }
  if (seen === undefined) return undefined;
  return seen === 'object' ? 'map' : 'scalar';
}

/** Merges `patch` into `original` for a list with the "merge" strategy. */
export function mergeList(
  original: unknown[],
  patch: unknown[],
  mergeKey: string,
  mergeElement: MergeElement,
): unknown[] {
  const kind = elementKind(original, patch);
  if (kind === undefined) return original;
  if (kind === 'scalar') {
    const merged = uniqueScalars([...original, ...patch]);
    return orderMerged(merged, patch, original, '');
  }
  if (mergeKey === '') throw cannotMergeWithoutMergeKey();
  const { remaining, patchItems } = applyListDirectives(original as JsonObject[], patch as JsonObject[], mergeKey);
  const merged = mergeMapsByKey(remaining, patchItems, mergeKey, mergeElement);
  return orderMerged(merged, patchItems, remaining, mergeKey);
}

/** `$deleteFromPrimitiveList/<field>`: drops every element equal to one listed. */
export function deleteFromList(original: readonly unknown[], toDelete: readonly unknown[]): unknown[] {
  return original.filter((item) => !toDelete.some((doomed) => jsonEqual(item, doomed)));
}

/**
 * Applies `$setElementOrder/<field>` to a merged list: elements named in
 * `order` take that order, the others keep their place from `serverOrder`.
 */
export function applyElementOrder(
  merged: readonly unknown[],
  order: readonly unknown[],
  serverOrder: readonly unknown[],
  mergeKey: string,
): unknown[] {
  return orderMerged(merged, order, serverOrder, mergeKey);
}

/**
 * Checks that the patch list names its elements in the same relative order as
 * `$setElementOrder` does; elements being deleted are exempt.
 */
export function checkPatchFollowsElementOrder(patch: readonly unknown[], order: readonly unknown[], mergeKey: string): void {
  if (patch.length === 0 || order.length === 0) return;
  const ordered = mergeKey === '' ? patch : patch.filter((item) => !isDeletion(requireMap(item)));
  let patchIndex = 0;
  for (let orderIndex = 0; orderIndex < order.length && patchIndex < ordered.length; orderIndex++) {
    // Other directive-carrying elements (`$patch: replace`) have no place in the order.
    while (patchIndex < ordered.length && hasDirectiveMarker(ordered[patchIndex])) patchIndex++;
    if (patchIndex >= ordered.length) break;
    if (sameElement(ordered[patchIndex], order[orderIndex], mergeKey)) patchIndex++;
  }
  if (patchIndex < ordered.length) throw orderMismatch(patch, order);
}

function isDeletion(item: JsonObject): boolean {
  return item[DIRECTIVE_MARKER] === 'delete';
}

function requireMap(item: unknown): JsonObject {
  if (!isJsonObject(item)) throw badArgType('map', item);
  return item;
}

function mergeKeyValue(item: unknown, mergeKey: string): unknown {
  const map = requireMap(item);
  if (!hasOwn(map, mergeKey)) throw noMergeKey(map, mergeKey);
  return map[mergeKey];
}

function sameElement(left: unknown, right: unknown, mergeKey: string): boolean {
  return mergeKey === '' ? left === right : mergeKeyValue(left, mergeKey) === mergeKeyValue(right, mergeKey);
}

/**
 * Handles elements carrying `$patch`: `delete` removes every original element
 * with that merge key, `replace` makes the remaining patch elements the whole
 * list. Kubernetes rejects `merge` here and anything else as unknown.
 */
function applyListDirectives(
  original: JsonObject[],
  patch: JsonObject[],
  mergeKey: string,
): { remaining: JsonObject[]; patchItems: JsonObject[] } {
  let remaining = original;
  let replace = false;
  const patchItems: JsonObject[] = [];
  for (const item of patch) {
    if (!hasDirectiveMarker(item)) {
      patchItems.push(item);
      continue;
    }
    const directive = item[DIRECTIVE_MARKER];
    if (directive === 'delete') {
      const doomed = mergeKeyValue(item, mergeKey);
      remaining = remaining.filter((candidate, index) => keyOfOriginal(candidate, index, mergeKey) !== doomed);
    } else if (directive === 'replace') {
      replace = true;
    } else if (directive === 'merge') {
      throw listMergeDirectiveUnsupported();
    } else {
      throw unknownPatchType(directive, item);
    }
  }
  if (replace) return { remaining: patchItems.map((item) => valueWithoutDirectives(item) as JsonObject), patchItems: [] };
  return { remaining, patchItems };
}

/** An original element's merge key value; elements without it simply never match. */
function keyOfOriginal(candidate: unknown, index: number, mergeKey: string): unknown {
  if (!isJsonObject(candidate)) throw elementNotAMap(index);
  return hasOwn(candidate, mergeKey) ? candidate[mergeKey] : undefined;
}

function mergeMapsByKey(
  original: JsonObject[],
  patch: JsonObject[],
  mergeKey: string,
  mergeElement: MergeElement,
): JsonObject[] {
  const merged = [...original];
  for (const item of patch) {
    const key = mergeKeyValue(item, mergeKey);
    const index = merged.findIndex((candidate, i) => keyOfOriginal(candidate, i, mergeKey) === key);
    if (index >= 0) {
      merged[index] = mergeElement(merged[index], item);
    } else {
      merged.push(valueWithoutDirectives(item) as JsonObject);
    }
  }
  return merged;
}

function uniqueScalars(items: readonly unknown[]): unknown[] {
  return items.filter((item, index) => items.indexOf(item) === index);
}

/**
 * Orders `merged`: the elements named in `patchOrder` in that order, merged
 * with the remaining ("server-only") elements, which keep their order from
 * `serverOrder`. A server-only element goes before a patch element only when
 * it came before it on the server too, so new elements lead.
 */
function orderMerged(
  merged: readonly unknown[],
  patchOrder: readonly unknown[],
  serverOrder: readonly unknown[],
  mergeKey: string,
): unknown[] {
  const identity = (item: unknown): unknown => (mergeKey === '' ? item : mergeKeyValue(item, mergeKey));
  const positionIn = (list: readonly unknown[], item: unknown): number => {
    const wanted = identity(item);
    return list.findIndex((candidate) => identity(candidate) === wanted);
  };
  const fromPatch: unknown[] = [];
  const serverOnly: unknown[] = [];
  for (const item of merged) (positionIn(patchOrder, item) >= 0 ? fromPatch : serverOnly).push(item);
  // Stable: elements missing from `order` (none, when the patch is well
  // formed) stay behind the ordered ones in their current order.
  const sortBy = (items: unknown[], order: readonly unknown[]): unknown[] =>
    items
      .map((item) => ({ item, rank: positionIn(order, item) }))
      .map(({ item, rank }) => ({ item, rank: rank < 0 ? Number.MAX_SAFE_INTEGER : rank }))
      .sort((a, b) => a.rank - b.rank)
      .map(({ item }) => item);
  const patchSorted = sortBy(fromPatch, patchOrder);
  const serverSorted = sortBy(serverOnly, serverOrder);

  const result: unknown[] = [];
  let server = 0;
  let fromPatchIndex = 0;
  while (server < serverSorted.length || fromPatchIndex < patchSorted.length) {
    if (fromPatchIndex >= patchSorted.length) {
      result.push(serverSorted[server++]);
    } else if (server >= serverSorted.length) {
      result.push(patchSorted[fromPatchIndex++]);
    } else {
      const serverRank = positionIn(serverOrder, serverSorted[server]);
      const patchRank = positionIn(serverOrder, patchSorted[fromPatchIndex]);
      const serverFirst = serverRank >= 0 && patchRank >= 0 && serverRank < patchRank;
      result.push(serverFirst ? serverSorted[server++] : patchSorted[fromPatchIndex++]);
    }
  }
  return result;
}
