// Reading and decoding request bodies: a size cap (kube-apiserver's 3 MiB),
// JSON or YAML by Content-Type, malformed input as a 400 that changes nothing.
import type { IncomingMessage } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { badRequest, requestEntityTooLarge, unsupportedMediaType } from '../errors.js';
import { decodeKubernetesProtobuf, isKubernetesProtobuf } from '../protobuf/decode.js';

export const MAX_REQUEST_BODY_BYTES = 3 * 1024 * 1024;

export async function readBody(req: IncomingMessage, limit = MAX_REQUEST_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > limit) {
    req.resume();
    throw requestEntityTooLarge(`the request body is too large: limit is ${limit} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) {
      req.resume();
      throw requestEntityTooLarge(`the request body is too large: limit is ${limit} bytes`);
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

export function mediaType(contentType: string | undefined): string {
  return (contentType ?? 'application/json').split(';')[0]!.trim().toLowerCase();
}

/** Decodes a JSON or YAML document into a value; syntax errors become 400s. */
export function decodeDocument(body: Buffer, contentType: string | undefined): unknown {
  const type = mediaType(contentType);
  // Only objects are decoded from protobuf (decodeObjectBody); CBOR isn't spoken here, and a 415 makes client-go fall back to JSON.
  if (type !== 'application/json' && type !== 'application/yaml' && type !== '*/*' && !type.endsWith('+json') && !type.endsWith('+yaml')) {
    throw unsupportedMediaType(type);
  }
  const text = body.toString('utf8');
  if (text.trim() === '') throw badRequest('the request body is empty');
  if (type.endsWith('yaml')) {
    try {
      return parseYaml(text);
    } catch (err) {
      throw badRequest(`error converting YAML to JSON: ${(err as Error).message}`);
    }
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw badRequest(`couldn't get version/kind; json parse error: ${(err as Error).message}`);
  }
}

export function decodeObjectBody(body: Buffer, contentType: string | undefined): Record<string, unknown> {
  // kubectl's typed clients send built-in kinds as Kubernetes protobuf.
  if (isKubernetesProtobuf(contentType)) return decodeKubernetesProtobuf(body);
  const value = decodeDocument(body, contentType);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw badRequest('the request body must be a JSON object');
  }
  return value as Record<string, unknown>;
}
