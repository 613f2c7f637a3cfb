// RFC 7386 JSON merge patch (application/merge-patch+json).
import { cloneJson, hasOwn, isJsonObject, setOwn, type JsonObject } from './json-value.js';

/**
 * Applies `patch` to `target` without mutating either: null deletes a member,
 * objects merge recursively, anything else (arrays included) replaces.
 * A patch that is not an object replaces the whole target, as the RFC says;
 * kube-apiserver then fails to decode such a result, so callers should check
 * that the result is still an object.
 */
export function applyJsonMergePatch(target: unknown, patch: unknown): unknown {
  if (!isJsonObject(patch)) return cloneJson(patch);
  const result: JsonObject = isJsonObject(target) ? cloneJson(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      delete result[key];
    } else {
      setOwn(result, key, applyJsonMergePatch(hasOwn(result, key) ? result[key] : undefined, value));
    }
  }
  return result;
}
