// Request bodies in Kubernetes protobuf (what kubectl's typed clients send)
// decoded into the JSON objects the rest of k8ts works with. Responses stay
// JSON: clients ask for `application/vnd.kubernetes.protobuf,application/json`.
import { protobufTypeForKind } from '../../api/protobuf/schemas.js';
import { ProtobufDecodeError } from './errors.js';
import { hasProtobufMagic, openEnvelope } from './envelope.js';
import { messageToJson } from './to-json.js';

export { ProtobufDecodeError } from './errors.js';

export const KUBERNETES_PROTOBUF = 'application/vnd.kubernetes.protobuf';

/** Whether a Content-Type header names Kubernetes protobuf (parameters ignored). */
export function isKubernetesProtobuf(contentType: string | undefined): boolean {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase() === KUBERNETES_PROTOBUF;
}

/**
 * The object in a Kubernetes protobuf body, in Kubernetes' JSON shape, with
 * apiVersion and kind from the envelope. Throws ProtobufDecodeError (a 400
 * ApiError) for anything malformed or of a kind we have no schema for.
 */
export function decodeKubernetesProtobuf(body: Uint8Array): Record<string, unknown> {
  const { apiVersion, kind, raw } = openEnvelope(body);
  const type = protobufTypeForKind(apiVersion, kind);
  if (!type) throw new ProtobufDecodeError(`no protobuf schema for kind "${kind}" in version "${apiVersion}"`);
  let message: Record<string, unknown>;
  try {
    message = type.decode(raw) as unknown as Record<string, unknown>;
  } catch (err) {
    throw new ProtobufDecodeError(`the protobuf body is not a valid ${apiVersion} ${kind}: ${(err as Error).message}`);
  }
  const fields = messageToJson(type, message, decodeRawExtension) as Record<string, unknown>;
  return { apiVersion, kind, ...fields };
}

/** runtime.RawExtension bytes: JSON as a rule, a nested protobuf object if framed as one. */
function decodeRawExtension(raw: Uint8Array): unknown {
  if (hasProtobufMagic(raw)) return decodeKubernetesProtobuf(raw);
  try {
    return JSON.parse(Buffer.from(raw).toString('utf8'));
  } catch (err) {
    throw new ProtobufDecodeError(`an embedded object is neither JSON nor Kubernetes protobuf: ${(err as Error).message}`);
  }
}
