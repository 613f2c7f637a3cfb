// How objects are kept in the store: JSON bytes without resourceVersion,
// which is the store's modRevision and is stamped on at read time (as
// kube-apiserver's etcd3 storage does).
import type { KubeObject } from '../api/types.js';
import type { KeyValue } from '../store/types.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeObject(obj: KubeObject): Uint8Array {
  const { resourceVersion: _dropped, ...metadata } = obj.metadata;
  return encoder.encode(JSON.stringify({ ...obj, metadata }));
}

export function decodeObject(kv: KeyValue, revision = kv.modRevision): KubeObject {
  const obj = JSON.parse(decoder.decode(kv.value)) as KubeObject;
  obj.metadata.resourceVersion = String(revision);
  return obj;
}
