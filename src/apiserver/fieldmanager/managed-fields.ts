// metadata.managedFields: who owns which fields, per manager and operation
// (k8s.io/apiserver's fieldmanager). Update-type writes (create, update,
// patch) give their manager the fields they changed and take them from
// everyone else; an apply gives its manager exactly the fields in its
// configuration, after checking no one else owns a field it changes.
import type { KubeObject } from '../../api/types.js';
import type { PatchMeta } from '../patch/patch-meta.js';
import { FieldSet } from './field-set.js';
import { fieldSetOf, valueAt } from './typed-fields.js';

export type Operation = 'Apply' | 'Update';

export interface ManagedFieldsEntry {
  manager: string;
  operation: Operation;
  apiVersion: string;
  time?: string;
  fieldsType: 'FieldsV1';
  fieldsV1: Record<string, unknown>;
  subresource?: string;
}

export interface Ownership {
  manager: string;
  operation: Operation;
  apiVersion: string;
  time?: string;
  subresource: string;
  fields: FieldSet;
}

/** What is tracked of an object: no type meta, no server-owned metadata, and only its own side of the status split. */
export interface TrackedScope {
  /** Whether the kind has a status subresource (then status is owned through it only). */
  hasStatus: boolean;
  subresource: '' | 'status';
}

const SERVER_METADATA = ['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'managedFields', 'selfLink', 'generateName'];

export function trackedView(obj: KubeObject, scope: TrackedScope): Record<string, unknown> {
  const { apiVersion: _a, kind: _k, metadata, status, ...rest } = obj;
  const meta: Record<string, unknown> = { ...(metadata ?? {}) };
  for (const key of SERVER_METADATA) delete meta[key];
  if (scope.hasStatus && scope.subresource === 'status') return status === undefined ? {} : { status };
  const view: Record<string, unknown> = { ...rest };
  if (Object.keys(meta).length > 0) view.metadata = meta;
  if (!scope.hasStatus && status !== undefined) view.status = status;
  return view;
}

export function decodeManagedFields(entries: unknown): Ownership[] {
  if (!Array.isArray(entries)) return [];
  const out: Ownership[] = [];
  for (const entry of entries as Partial<ManagedFieldsEntry>[]) {
    if (!entry || typeof entry.manager !== 'string' || (entry.operation !== 'Apply' && entry.operation !== 'Update')) continue;
    out.push({
      manager: entry.manager,
      operation: entry.operation,
      apiVersion: entry.apiVersion ?? '',
      time: entry.time,
      subresource: entry.subresource ?? '',
      fields: FieldSet.fromFieldsV1(entry.fieldsV1),
    });
  }
  return out;
}

export function encodeManagedFields(owners: Ownership[]): ManagedFieldsEntry[] | undefined {
  const entries = owners.filter((o) => !o.fields.isEmpty()).map((o) => {
    const entry: ManagedFieldsEntry = { manager: o.manager, operation: o.operation, apiVersion: o.apiVersion, time: o.time, fieldsType: 'FieldsV1', fieldsV1: o.fields.toFieldsV1() };
    if (o.subresource) entry.subresource = o.subresource;
    return entry;
  });
  return entries.length > 0 ? entries : undefined;
}

function sameOwner(o: Ownership, manager: string, operation: Operation, subresource: string): boolean {
  return o.manager === manager && o.operation === operation && o.subresource === subresource;
}

/**
 * The managedFields a client sent replace the stored ones (kubectl's
 * client-side to server-side apply migration writes them); absent or empty
 * keeps the stored ones, and a list of empty entries clears them, as
 * Kubernetes decides.
 */
export function baseOwnership(sent: unknown, stored: unknown): Ownership[] {
  if (Array.isArray(sent) && sent.length > 0) {
    if (sent.every((e) => e === null || typeof e !== 'object' || Object.keys(e as object).length === 0)) return [];
    if (JSON.stringify(sent) !== JSON.stringify(stored)) return decodeManagedFields(sent);
  }
  return decodeManagedFields(stored);
}

export interface UpdateContext {
  manager: string;
  apiVersion: string;
  now: string;
  scope: TrackedScope;
  meta: PatchMeta | undefined;
}

/** The fields of `next` that are new or hold a different value than in `old`. */
function changedFields(next: Record<string, unknown>, old: Record<string, unknown> | undefined, nextSet: FieldSet): FieldSet {
  const changed = new FieldSet();
  for (const path of nextSet.paths()) {
    const before = old === undefined ? undefined : valueAt(old, path);
    const after = valueAt(next, path);
    // A list item or map with members below is "changed" only when it is new; its members speak for themselves.
    const isContainer = hasMembersBelow(nextSet, path);
    if (before === undefined || (!isContainer && JSON.stringify(before) !== JSON.stringify(after))) changed.insert(path);
  }
  return changed;
}

function hasMembersBelow(set: FieldSet, path: string[]): boolean {
  let node: FieldSet | undefined = set;
  for (const element of path) node = node?.child(element);
  return node !== undefined && node.entries().length > 0;
}

/** Ownership after an Update-type write of `next` over `old` (undefined on create). */
export function ownershipAfterUpdate(owners: Ownership[], old: KubeObject | undefined, next: KubeObject, ctx: UpdateContext): Ownership[] {
  const nextView = trackedView(next, ctx.scope);
  const oldView = old ? trackedView(old, ctx.scope) : undefined;
  const nextSet = fieldSetOf(nextView, ctx.meta);
  const oldSet = oldView ? fieldSetOf(oldView, ctx.meta) : new FieldSet();
  const changed = changedFields(nextView, oldView, nextSet);
  const removed = oldSet.difference(nextSet);
  const out = owners.map((o) => ({ ...o, fields: o.fields.difference(changed).difference(removed) }));
  if (changed.isEmpty()) return out;
  const mine = out.find((o) => sameOwner(o, ctx.manager, 'Update', ctx.scope.subresource));
  if (mine) {
    mine.fields = mine.fields.union(changed);
    mine.time = ctx.now;
    mine.apiVersion = ctx.apiVersion;
  } else {
    out.push({ manager: ctx.manager, operation: 'Update', apiVersion: ctx.apiVersion, time: ctx.now, subresource: ctx.scope.subresource, fields: changed });
  }
  return out;
}

export interface Conflict {
  manager: Ownership;
  path: string[];
}

export interface ApplyOwnership {
  owners: Ownership[];
  /** Fields the applier no longer sets and no one else owns: to be removed from the object. */
  toRemove: FieldSet;
}

/**
 * Ownership after `manager` applies `applied`, given the object before
 * (`live`) and after the merge (`merged`). Returns the conflicts instead when
 * another manager owns a field whose value the apply changes and `force` is off.
 */
export function ownershipAfterApply(
  owners: Ownership[],
  live: KubeObject | undefined,
  merged: KubeObject,
  appliedSet: FieldSet,
  ctx: UpdateContext & { force: boolean },
): ApplyOwnership | { conflicts: Conflict[] } {
  const liveView = live ? trackedView(live, ctx.scope) : {};
  const mergedView = trackedView(merged, ctx.scope);
  const isMe = (o: Ownership) => sameOwner(o, ctx.manager, 'Apply', ctx.scope.subresource);
  const conflicts: Conflict[] = [];
  const next = owners.map((o) => ({ ...o }));
  for (const other of next) {
    if (isMe(other) || other.subresource !== ctx.scope.subresource) continue;
    const overlap = other.fields.intersection(appliedSet);
    const conflicting = new FieldSet();
    for (const path of overlap.paths()) {
      if (hasMembersBelow(appliedSet, path)) continue;
      if (JSON.stringify(valueAt(liveView, path)) !== JSON.stringify(valueAt(mergedView, path))) {
        conflicts.push({ manager: other, path });
        conflicting.insert(path);
      }
    }
    if (ctx.force) other.fields = other.fields.difference(conflicting);
  }
  if (conflicts.length > 0 && !ctx.force) return { conflicts };
  const previous = next.find(isMe);
  const othersOwn = next.filter((o) => !isMe(o)).reduce((acc, o) => acc.union(o.fields), new FieldSet());
  const toRemove = previous ? previous.fields.difference(appliedSet).difference(othersOwn) : new FieldSet();
  if (previous) {
    // An apply that changes nothing leaves the entry (and so the object) as it was.
    if (JSON.stringify(previous.fields.toFieldsV1()) !== JSON.stringify(appliedSet.toFieldsV1())) previous.time = ctx.now;
    previous.fields = appliedSet;
    previous.apiVersion = ctx.apiVersion;
  } else {
    next.push({ manager: ctx.manager, operation: 'Apply', apiVersion: ctx.apiVersion, time: ctx.now, subresource: ctx.scope.subresource, fields: appliedSet });
  }
  return { owners: next, toRemove };
}
