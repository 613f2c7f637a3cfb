// Kubernetes' protobuf framing (apimachinery/pkg/runtime/serializer/protobuf):
// the bytes `k8s\0`, then a runtime.Unknown whose typeMeta names the object
// and whose raw field holds the typed message.
import { protobufType, RUNTIME_PACKAGE } from '../../api/protobuf/schemas.js';
import { ProtobufDecodeError } from './errors.js';

export const PROTOBUF_MAGIC = Uint8Array.of(0x6b, 0x38, 0x73, 0x00);

export interface ProtobufEnvelope {
  apiVersion: string;
  kind: string;
  raw: Uint8Array;
}

interface DecodedUnknown {
  typeMeta?: { apiVersion?: string; kind?: string };
  raw?: Uint8Array;
  contentEncoding?: string;
}

export function hasProtobufMagic(bytes: Uint8Array): boolean {
  return bytes.length >= PROTOBUF_MAGIC.length && PROTOBUF_MAGIC.every((byte, i) => bytes[i] === byte);
}

export function openEnvelope(bytes: Uint8Array): ProtobufEnvelope {
  if (!hasProtobufMagic(bytes)) throw new ProtobufDecodeError('the protobuf body does not start with the Kubernetes magic bytes "k8s\\x00"');
  const unknownType = protobufType(`${RUNTIME_PACKAGE}.Unknown`);
  if (!unknownType) throw new Error('runtime.Unknown is missing from the protobuf schemas');
  let unknown: DecodedUnknown;
  try {
    unknown = unknownType.decode(bytes.subarray(PROTOBUF_MAGIC.length)) as DecodedUnknown;
  } catch (err) {
    throw new ProtobufDecodeError(`the protobuf envelope is malformed: ${(err as Error).message}`);
  }
  // kube-apiserver never compresses the inner message; an encoding we can't name we can't read.
  if (unknown.contentEncoding) throw new ProtobufDecodeError(`unsupported protobuf content encoding "${unknown.contentEncoding}"`);
  const apiVersion = unknown.typeMeta?.apiVersion ?? '';
  const kind = unknown.typeMeta?.kind ?? '';
  if (!kind) throw new ProtobufDecodeError("Object 'Kind' is missing in the protobuf body");
  if (!apiVersion) throw new ProtobufDecodeError("Object 'apiVersion' is missing in the protobuf body");
  return { apiVersion, kind, raw: unknown.raw ?? new Uint8Array(0) };
}
