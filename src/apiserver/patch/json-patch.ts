// RFC 6902 JSON patch (application/json-patch+json), applied with
// fast-json-patch and failing the way kube-apiserver fails.
import fastJsonPatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { PatchError } from './patch-error.js';
import { cloneJson, isJsonObject } from './json-value.js';
import { jsonKindName } from './go-format.js';

/** kube-apiserver's maxJSONPatchOperations. */
export const MAX_JSON_PATCH_OPERATIONS = 10000;

/** A JSON patch that could not be applied, with the operation that failed. */
export class JsonPatchOperationError extends PatchError {
  constructor(
    /** Position of the failing operation in the patch. */
    readonly operationIndex: number,
    readonly operation: Readonly<Record<string, unknown>>,
    detail: string,
  ) {
    const generic = PatchError.unprocessable(detail);
    super(generic.code, generic.reason, generic.message, detail);
  }
}

/**
 * Applies `operations` to a deep copy of `document` and returns the copy.
 * Throws PatchError 400 when the patch is not a list of operation objects
 * (kube-apiserver cannot decode it), 413 beyond 10000 operations, and
 * JsonPatchOperationError (422) when an operation does not apply, including
 * a failed `test`.
 */
export function applyJsonPatch(document: unknown, operations: unknown): unknown {
  const sequence = decodeOperations(operations);
  let patched = cloneJson(document);
  // One operation at a time, so a failure always knows its operation.
  sequence.forEach((operation, index) => {
    try {
      patched = fastJsonPatch.applyOperation(patched, operation, true, true, true, index).newDocument;
    } catch (error) {
      const detail =
        error instanceof fastJsonPatch.JsonPatchError
          ? describeFailure(error.name, operation as unknown as Record<string, unknown>)
          : // fast-json-patch refuses __proto__/constructor paths with a TypeError.
            String((error as Error).message);
      throw new JsonPatchOperationError(index, operation as unknown as Record<string, unknown>, detail);
    }
  });
  return patched;
}

function decodeOperations(operations: unknown): Operation[] {
  // Same wording as encoding/json, which is what kube-apiserver reports.
  if (!Array.isArray(operations)) {
    throw PatchError.badRequest(`json: cannot unmarshal ${jsonKindName(operations)} into Go value of type jsonpatch.Patch`);
  }
  const notAnObject = operations.find((operation) => !isJsonObject(operation));
  if (notAnObject !== undefined) {
    throw PatchError.badRequest(
      `json: cannot unmarshal ${jsonKindName(notAnObject)} into Go value of type jsonpatch.Operation`,
    );
  }
  if (operations.length > MAX_JSON_PATCH_OPERATIONS) {
    throw PatchError.tooLarge(
      `The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${operations.length}`,
    );
  }
  return operations as Operation[];
}

/**
 * Words each fast-json-patch failure the way evanphx/json-patch (the library
 * kube-apiserver uses) words the same failure.
 */
function describeFailure(name: string, operation: Record<string, unknown>): string {
  const op = String(operation.op);
  const path = String(operation.path);
  const from = String(operation.from);
  switch (name) {
    case 'TEST_OPERATION_FAILED':
      return `testing value ${path} failed: test failed`;
    case 'OPERATION_PATH_UNRESOLVABLE':
    case 'OPERATION_PATH_CANNOT_ADD':
      return `${op} operation does not apply: doc is missing path: "${path}": missing value`;
    case 'OPERATION_FROM_UNRESOLVABLE':
      return `${op} operation does not apply: doc is missing from path: ${from}: missing value`;
    case 'OPERATION_VALUE_OUT_OF_BOUNDS':
      return `Unable to access invalid index: ${path.slice(path.lastIndexOf('/') + 1)}: invalid index referenced`;
    case 'OPERATION_PATH_ILLEGAL_ARRAY_INDEX':
      return `value was not a proper array index: '${path.slice(path.lastIndexOf('/') + 1)}'`;
    case 'OPERATION_OP_INVALID':
      return `Unexpected kind: ${op}`;
    case 'OPERATION_PATH_INVALID':
      return `${op} operation failed to decode path`;
    case 'OPERATION_FROM_REQUIRED':
      return `${op} operation failed to decode from`;
    case 'OPERATION_VALUE_REQUIRED':
      return `${op} operation, missing value field: missing value`;
    default:
      return `${op} operation at ${path} failed: ${name}`;
  }
}
