// Turns a decoded Kubernetes protobuf message into the JSON Kubernetes itself
// would have produced for the same Go object: field names are the proto
// names (go-to-protobuf takes them from the json tags), embedded
// json:",inline" structs are flattened, and apimachinery's wrapper types
// (Quantity, IntOrString, Time, …) become their JSON scalars.
import protobuf from 'protobufjs';
import { META_V1_PACKAGE } from '../../api/protobuf/schemas.js';
import { ProtobufDecodeError } from './errors.js';
import { formatGoDuration } from './go-duration.js';

/** Decodes the bytes of a runtime.RawExtension (JSON, or nested protobuf). */
export type RawObjectDecoder = (raw: Uint8Array) => unknown;

type DecodedMessage = Record<string, unknown>;

const NON_NULLABLE = '(gogoproto.nullable)';
const INLINE = '(k8ts.inline)';

const TIME = `.${META_V1_PACKAGE}.Time`;
const MICRO_TIME = `.${META_V1_PACKAGE}.MicroTime`;
const DURATION = `.${META_V1_PACKAGE}.Duration`;
const FIELDS_V1 = `.${META_V1_PACKAGE}.FieldsV1`;
const VERBS = `.${META_V1_PACKAGE}.Verbs`;
const QUANTITY = '.k8s.io.apimachinery.pkg.api.resource.Quantity';
const QUANTITY_VALUE = '.k8s.io.apimachinery.pkg.api.resource.QuantityValue';
const INT_OR_STRING = '.k8s.io.apimachinery.pkg.util.intstr.IntOrString';
const RAW_EXTENSION = '.k8s.io.apimachinery.pkg.runtime.RawExtension';

const INT_OR_STRING_STRING = 1n; // intstr.Type (an int64 on the wire): 0 = Int, 1 = String

/** protobufjs hands 64-bit integers over as Long when the `long` package is present. */
interface LongLike {
  low: number;
  high: number;
  unsigned: boolean;
}

function toBigInt(value: unknown): bigint {
  if (typeof value === 'number') return BigInt(value);
  if (typeof value === 'string') return BigInt(value);
  const long = value as LongLike;
  const bits = (BigInt(long.high >>> 0) << 32n) | BigInt(long.low >>> 0);
  return long.unsigned ? bits : BigInt.asIntN(64, bits);
}

function has(message: DecodedMessage, name: string): boolean {
  return Object.prototype.hasOwnProperty.call(message, name);
}

function isZeroTimestamp(message: DecodedMessage): boolean {
  return (!has(message, 'seconds') || toBigInt(message.seconds) === 0n) && !message.nanos;
}

/** RFC 3339 in UTC with `fractionDigits` of sub-second precision, as Go's time.Format does. */
function rfc3339(message: DecodedMessage, fractionDigits: 0 | 6): string {
  const seconds = has(message, 'seconds') ? Number(toBigInt(message.seconds)) : 0;
  const nanos = typeof message.nanos === 'number' ? message.nanos : 0;
  const date = new Date(seconds * 1000).toISOString().slice(0, 19);
  if (fractionDigits === 0) return `${date}Z`;
  return `${date}.${String(Math.floor(nanos / 1000)).padStart(6, '0')}Z`;
}

function parseJson(bytes: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (err) {
    throw new ProtobufDecodeError(`${what} is not valid JSON: ${(err as Error).message}`);
  }
}

/**
 * The JSON form of a wrapper type, `undefined` when Kubernetes would write
 * null (and so the field is best left out), or `NOT_SPECIAL`.
 */
const NOT_SPECIAL = Symbol('not a special type');

function specialToJson(typeName: string, message: DecodedMessage, decodeRaw: RawObjectDecoder): unknown {
  switch (typeName) {
    case QUANTITY:
    case QUANTITY_VALUE:
      return typeof message.string === 'string' && message.string !== '' ? message.string : '0';
    case INT_OR_STRING:
      return has(message, 'type') && toBigInt(message.type) === INT_OR_STRING_STRING ? (message.strVal ?? '') : (message.intVal ?? 0);
    case TIME:
      return isZeroTimestamp(message) ? undefined : rfc3339(message, 0);
    case MICRO_TIME:
      return isZeroTimestamp(message) ? undefined : rfc3339(message, 6);
    case DURATION:
      return formatGoDuration(has(message, 'duration') ? toBigInt(message.duration) : 0n);
    case FIELDS_V1:
      return message.Raw instanceof Uint8Array && message.Raw.length > 0 ? parseJson(message.Raw, 'FieldsV1') : undefined;
    case RAW_EXTENSION:
      return message.raw instanceof Uint8Array && message.raw.length > 0 ? decodeRaw(message.raw) : undefined;
    case VERBS:
      return Array.isArray(message.items) ? message.items : [];
    default:
      return NOT_SPECIAL;
  }
}

function scalarToJson(field: protobuf.Field, value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  switch (field.type) {
    case 'int64':
    case 'uint64':
    case 'sint64':
    case 'fixed64':
    case 'sfixed64':
      return Number(toBigInt(value));
    default:
      return value;
  }
}

/** Go's omitempty for a non-pointer scalar: zero values were never set. */
function isZeroScalar(value: unknown): boolean {
  if (value instanceof Uint8Array) return value.length === 0;
  if (typeof value === 'object' && value !== null) return toBigInt(value) === 0n;
  return value === '' || value === 0 || value === false;
}

function valueToJson(field: protobuf.Field, value: unknown, decodeRaw: RawObjectDecoder): unknown {
  const type = field.resolvedType;
  if (type instanceof protobuf.Type) return messageToJson(type, (value ?? {}) as DecodedMessage, decodeRaw);
  if (type instanceof protobuf.Enum) return type.valuesById[value as number] ?? value;
  return scalarToJson(field, value);
}

function fieldToJson(field: protobuf.Field, value: unknown, decodeRaw: RawObjectDecoder): unknown {
  if (field.map) {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return undefined; // a nil and an empty map are both omitted
    return Object.fromEntries(entries.map(([key, item]) => [key, valueToJson(field, item, decodeRaw)]));
  }
  if (field.repeated) {
    const items = value as unknown[];
    if (items.length === 0) return undefined;
    return items.map((item) => valueToJson(field, item, decodeRaw));
  }
  if (!(field.resolvedType instanceof protobuf.Type) && field.options?.[NON_NULLABLE] === false && isZeroScalar(value)) return undefined;
  return valueToJson(field, value, decodeRaw);
}

/** The Kubernetes JSON of one decoded message, of the given type. */
export function messageToJson(type: protobuf.Type, message: DecodedMessage, decodeRaw: RawObjectDecoder): unknown {
  const special = specialToJson(`.${type.fullName.replace(/^\./, '')}`, message, decodeRaw);
  if (special !== NOT_SPECIAL) return special;
  const json: Record<string, unknown> = {};
  for (const field of type.fieldsArray) {
    if (!has(message, field.name) || message[field.name] === null) continue;
    const value = fieldToJson(field, message[field.name], decodeRaw);
    if (value === undefined) continue;
    if (field.options?.[INLINE] === true && typeof value === 'object' && value !== null) Object.assign(json, value);
    else json[field.name] = value;
  }
  return json;
}
