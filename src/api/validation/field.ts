// Field errors as k8s.io/apimachinery/pkg/util/validation/field builds and
// renders them. Constructors mirror field.Required, field.Invalid, ... so the
// validators read like Kubernetes' own, and the formatter reproduces
// field.Error.Error() byte for byte for the value kinds Kubernetes prints.

import type { FieldError, FieldErrorType } from '../types.js';
import { GoValue, goQuote } from './govalue.js';

export { GoValue } from './govalue.js';

// ---------------------------------------------------------------------------
// Paths: Kubernetes' field.Path renders children with dots, indexes and map
// keys in brackets (keys unquoted): spec.containers[0].env[1].name,
// metadata.labels[app].

export function child(path: string, ...names: string[]): string {
  let out = path;
  for (const name of names) out = out === '' ? name : `${out}.${name}`;
  return out;
}

export function index(path: string, i: number): string {
  return `${path}[${i}]`;
}

export function key(path: string, k: string): string {
  return `${path}[${k}]`;
}

// ---------------------------------------------------------------------------
// Constructors.

export function required(field: string, detail = ''): FieldError {
  return { type: 'FieldValueRequired', field, value: '', detail };
}

export function invalid(field: string, value: unknown, detail: string): FieldError {
  return { type: 'FieldValueInvalid', field, value, detail };
}

export function notSupported(field: string, value: unknown, validValues: readonly string[]): FieldError {
  const detail = validValues.length > 0 ? `supported values: ${validValues.map(goQuote).join(', ')}` : '';
  return { type: 'FieldValueNotSupported', field, value, detail };
}

export function forbidden(field: string, detail: string): FieldError {
  return { type: 'FieldValueForbidden', field, value: '', detail };
}

export function duplicate(field: string, value: unknown): FieldError {
  return { type: 'FieldValueDuplicate', field, value, detail: '' };
}

export function notFound(field: string, value: unknown, detail = ''): FieldError {
  return { type: 'FieldValueNotFound', field, value, detail };
}

/** field.TooLong as of v1.32: the value is never echoed. */
export function tooLong(field: string, maxLength: number): FieldError {
  const detail = maxLength >= 0 ? `may not be more than ${maxLength} ${maxLength === 1 ? 'byte' : 'bytes'}` : 'value is too long';
  return { type: 'FieldValueTooLong', field, value: '', detail };
}

export function tooMany(field: string, actual: number, max: number): FieldError {
  return { type: 'FieldValueTooMany', field, value: actual, detail: `must have at most ${max} items` };
}

export function internalError(field: string, message: string): FieldError {
  return { type: 'InternalError', field, value: null, detail: message };
}

// ---------------------------------------------------------------------------
// Rendering.

const typeText: Record<FieldErrorType, string> = {
  FieldValueNotFound: 'Not found',
  FieldValueRequired: 'Required value',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueInvalid: 'Invalid value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueForbidden: 'Forbidden',
  FieldValueTooLong: 'Too long',
  FieldValueTooMany: 'Too many',
  InternalError: 'Internal error',
  FieldValueTypeInvalid: 'Invalid value',
};

/** Types whose rendering never includes the bad value (field.Error.ErrorBody). */
const valueless = new Set<FieldErrorType>(['FieldValueRequired', 'FieldValueForbidden', 'FieldValueTooLong', 'InternalError']);

/**
 * Renders a value the way ErrorBody does: numbers and booleans plainly,
 * strings Go-quoted, nil as null, Go-typed values (GoValue) in their %#v form.
 * Plain objects have no Go type here, so they are rendered as compact JSON.
 */
export function renderValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (value instanceof GoValue) return value.text;
  switch (typeof value) {
    case 'string':
      return goQuote(value);
    case 'number':
    case 'bigint':
    case 'boolean':
      return String(value);
    default:
      return JSON.stringify(value);
  }
}

/** field.Error.ErrorBody(): the message without the field path (a StatusCause's message). */
export function fieldErrorBody(e: FieldError): string {
  let s = typeText[e.type];
  if (!valueless.has(e.type)) s += `: ${renderValue(e.value)}`;
  if (e.detail) s += `: ${e.detail}`;
  return s;
}

/** field.Error.Error(): `<path>: <body>`. */
export function formatFieldError(e: FieldError): string {
  return `${e.field}: ${fieldErrorBody(e)}`;
}

/**
 * The message of apierrors.NewInvalid: `<Kind[.group]> "<name>" is invalid: <aggregate>`,
 * where the aggregate drops repeated messages and brackets only when more than one remains.
 */
export function formatInvalidMessage(kindWithGroup: string, name: string, errs: FieldError[]): string {
  const head = `${kindWithGroup} ${goQuote(name)} is invalid`;
  const messages: string[] = [];
  for (const e of errs) {
    const m = formatFieldError(e);
    if (!messages.includes(m)) messages.push(m);
  }
  if (messages.length === 0) return head;
  if (messages.length === 1) return `${head}: ${messages[0]}`;
  return `${head}: [${messages.join(', ')}]`;
}
