// Test helper: builds Kubernetes protobuf bodies the way client-go does
// (magic, runtime.Unknown envelope, typed message) from plain objects in the
// protobufjs shape of the generated schemas.
import { protobufType, protobufTypeForKind } from '../../src/api/protobuf/schemas.js';
import { PROTOBUF_MAGIC } from '../../src/apiserver/protobuf/envelope.js';

export function encodeMessage(fullName: string, fields: Record<string, unknown>): Uint8Array {
  const type = protobufType(fullName);
  if (!type) throw new Error(`no type ${fullName}`);
  return type.encode(type.fromObject(fields)).finish();
}

export function envelope(apiVersion: string, kind: string, raw: Uint8Array): Buffer {
  const unknown = encodeMessage('k8s.io.apimachinery.pkg.runtime.Unknown', { typeMeta: { apiVersion, kind }, raw });
  return Buffer.concat([PROTOBUF_MAGIC, unknown]);
}

/** A complete body for an object of `kind`, its fields in protobufjs form. */
export function encodeObject(apiVersion: string, kind: string, fields: Record<string, unknown>): Buffer {
  const type = protobufTypeForKind(apiVersion, kind);
  if (!type) throw new Error(`no type for ${apiVersion} ${kind}`);
  return envelope(apiVersion, kind, type.encode(type.fromObject(fields)).finish());
}
