// Objects seen through their schema, as structured-merge-diff's typed
// values: which fields an object sets (its FieldSet), the value at a path,
// and how lists are identified — by x-kubernetes-list-type/map-keys, or
// for the built-in types by their strategic-merge keys (a `merge` list with
// a merge key is a map, without one a set), atomic otherwise.
import type { FieldPatchInfo, PatchMeta } from '../patch/patch-meta.js';
import { FieldSet, fieldElement, keyElement, valueElement } from './field-set.js';

export type ListKind = { kind: 'atomic' } | { kind: 'set' } | { kind: 'map'; keys: readonly string[] };

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function listKindOf(info: FieldPatchInfo | undefined): ListKind {
  if (!info) return { kind: 'atomic' };
  if (info.listType === 'map' && info.listMapKeys?.length) return { kind: 'map', keys: info.listMapKeys };
  if (info.listType === 'set') return { kind: 'set' };
  if (info.listType === 'atomic') return { kind: 'atomic' };
  const merge = (info.patchStrategy ?? '').split(',').includes('merge');
  if (merge && info.patchMergeKey) return { kind: 'map', keys: [info.patchMergeKey] };
  if (merge) return { kind: 'set' };
  return { kind: 'atomic' };
}

function isAtomicMap(info: FieldPatchInfo | undefined): boolean {
  return info?.mapType === 'atomic';
}

/** The key fields of a list-map item. */
export function itemKey(item: unknown, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!isPlainObject(item)) return out;
  for (const key of keys) if (item[key] !== undefined) out[key] = item[key];
  return out;
}

function sameKey(a: unknown, b: unknown, keys: readonly string[]): boolean {
  return isPlainObject(a) && isPlainObject(b) && keys.every((k) => JSON.stringify(a[k]) === JSON.stringify(b[k]));
}

function walkObject(obj: Record<string, unknown>, meta: PatchMeta | undefined, path: string[], set: FieldSet): void {
  for (const [name, value] of Object.entries(obj)) walkValue(value, meta?.fieldMeta(name), [...path, fieldElement(name)], set);
}

function walkValue(value: unknown, info: FieldPatchInfo | undefined, path: string[], set: FieldSet): void {
  if (Array.isArray(value)) {
    const list = listKindOf(info);
    if (list.kind === 'atomic' || value.length === 0) {
      set.insert(path);
      return;
    }
    const itemMeta = info?.meta?.itemsMeta();
    for (const item of value) {
      if (list.kind === 'set') {
        set.insert([...path, valueElement(item)]);
        continue;
      }
      const element = keyElement(itemKey(item, list.keys));
      set.insert([...path, element]);
      if (isPlainObject(item)) walkObject(item, itemMeta, [...path, element], set);
    }
    return;
  }
  if (isPlainObject(value) && Object.keys(value).length > 0 && !isAtomicMap(info)) {
    walkObject(value, info?.meta, path, set);
    return;
  }
  set.insert(path);
}

/** Every field `obj` sets (structured-merge-diff's ToFieldSet). */
export function fieldSetOf(obj: Record<string, unknown>, meta: PatchMeta | undefined): FieldSet {
  const set = new FieldSet();
  walkObject(obj, meta, [], set);
  return set;
}

/** The value at a path, or undefined if the object has none there. */
export function valueAt(obj: unknown, path: readonly string[]): unknown {
  let current: unknown = obj;
  for (const element of path) {
    if (current === undefined) return undefined;
    const body = element.slice(2);
    switch (element[0]) {
      case 'f':
        current = isPlainObject(current) ? current[body] : undefined;
        break;
      case 'k': {
        const key = JSON.parse(body) as Record<string, unknown>;
        current = Array.isArray(current) ? current.find((item) => sameKey(item, key, Object.keys(key))) : undefined;
        break;
      }
      case 'v': {
        const wanted = body;
        current = Array.isArray(current) ? current.find((item) => JSON.stringify(item) === wanted) : undefined;
        break;
      }
      default:
        current = Array.isArray(current) ? current[Number(body)] : undefined;
    }
  }
  return current;
}

/** Applied configuration merged into the live object: maps field by field, lists by their kind. */
export function mergeApplied(live: unknown, applied: unknown, info: FieldPatchInfo | undefined, meta: PatchMeta | undefined = info?.meta): unknown {
  if (Array.isArray(applied)) {
    const list = listKindOf(info);
    if (list.kind === 'atomic' || !Array.isArray(live)) return structuredClone(applied);
    if (list.kind === 'set') {
      const seen = new Set(live.map((item) => JSON.stringify(item)));
      return [...structuredClone(live), ...structuredClone(applied.filter((item) => !seen.has(JSON.stringify(item))))];
    }
    const itemMeta = info?.meta?.itemsMeta();
    const out = structuredClone(live);
    for (const item of applied) {
      const at = out.findIndex((existing) => sameKey(existing, item, list.keys));
      if (at >= 0) out[at] = mergeApplied(out[at], item, undefined, itemMeta);
      else out.push(structuredClone(item));
    }
    return out;
  }
  if (isPlainObject(applied) && isPlainObject(live) && !isAtomicMap(info)) {
    const out: Record<string, unknown> = { ...live };
    for (const [name, value] of Object.entries(applied)) {
      const fieldInfo = meta?.fieldMeta(name);
      out[name] = name in live ? mergeApplied(live[name], value, fieldInfo) : structuredClone(value);
    }
    return out;
  }
  return structuredClone(applied);
}

function isEmptyContainer(value: unknown): boolean {
  return (Array.isArray(value) && value.length === 0) || (isPlainObject(value) && Object.keys(value).length === 0);
}

/** Removes every member of `set` from `obj` in place (a member list item or map key goes whole). */
export function removeFields(obj: unknown, set: FieldSet): void {
  for (const [element, child] of set.entries()) {
    const body = element.slice(2);
    if (element[0] === 'f' && isPlainObject(obj)) {
      if (!(body in obj)) continue;
      if (child.isMember()) delete obj[body];
      else {
        removeFields(obj[body], child);
        // A list or map emptied by the removal goes too: nobody set it empty.
        if (isEmptyContainer(obj[body])) delete obj[body];
      }
    } else if (Array.isArray(obj)) {
      const at = element[0] === 'k'
        ? obj.findIndex((item) => sameKey(item, JSON.parse(body), Object.keys(JSON.parse(body) as object)))
        : element[0] === 'v' ? obj.findIndex((item) => JSON.stringify(item) === body) : Number(body);
      if (at < 0 || at >= obj.length) continue;
      if (child.isMember()) obj.splice(at, 1);
      else removeFields(obj[at], child);
    }
  }
}
