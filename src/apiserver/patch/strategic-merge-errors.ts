// The failures of k8s.io/apimachinery's strategicpatch, with its wording and
// with the status code kube-apiserver's interpretStrategicMergePatchError
// gives them: its few sentinel errors become 400 or 422; every other error is
// a plain Go error that the response writer turns into a 500.
import { PatchError } from './patch-error.js';
import { formatGoValue, goTypeName } from './go-format.js';

// 400: mergepatch sentinels kube-apiserver maps to BadRequest.
export const badPrimitiveListFormat = (): PatchError =>
  PatchError.badRequest('invalid patch format of primitive list');
export const badRetainKeysFormat = (): PatchError => PatchError.badRequest('invalid patch format of retainKeys');
export const badSetElementOrderFormat = (): PatchError =>
  PatchError.badRequest('invalid patch format of setElementOrder list');

// 422: the sentinel kube-apiserver maps to a generic Invalid response.
export const noListOfLists = (): PatchError => PatchError.unprocessable('lists of lists are not supported');

// 500: plain errors.
export const unknownPatchType = (directive: unknown, map: Record<string, unknown>): PatchError =>
  PatchError.unclassified(`unknown patch type: ${formatGoValue(directive)} in map: ${formatGoValue(map)}`);

export const noMergeKey = (map: unknown, mergeKey: string): PatchError =>
  PatchError.unclassified(`map: ${formatGoValue(map)} does not contain declared merge key: ${mergeKey}`);

/** mergepatch.ErrBadArgType; `expected` names the Go type that was required. */
export const badArgType = (expected: 'map' | 'list', actual: unknown): PatchError =>
  PatchError.unclassified(
    `expected a ${expected === 'map' ? 'map[string]interface {}' : '[]interface {}'}, but received a ${goTypeName(actual)}`,
  );

export const listMergeDirectiveUnsupported = (): PatchError =>
  PatchError.unclassified('merging lists cannot yet be specified in the patch');

export const cannotMergeWithoutMergeKey = (): PatchError =>
  PatchError.unclassified('cannot merge lists without merge key for type map');

export const elementTypesNotIdentical = (lists: readonly unknown[]): PatchError =>
  PatchError.unclassified(`list element types are not identical: ${formatGoValue(lists)}`);

export const elementNotAMap = (index: number): PatchError =>
  PatchError.unclassified(`value for key ${index} is not a map.`);

export const unexpectedPatchStrategy = (strategies: readonly string[]): PatchError =>
  PatchError.unclassified(`unexpected patch strategy: ${formatGoValue(strategies)}`);

export const orderMismatch = (patchList: unknown, orderList: unknown): PatchError =>
  PatchError.unclassified(
    `The order in patch list:\n${formatGoValue(patchList)}\n doesn't match $setElementOrder list:\n${formatGoValue(orderList)}\n`,
  );
