// Validation of a custom resource against its structural schema, producing
// the field errors apiextensions-apiserver gives (kube-openapi's validate
// errors converted by ConvertToFieldErrors): TypeInvalid for types,
// Required, NotSupported for enum, TooLong/TooMany for max limits, and
// Invalid with kube-openapi's own wording ("spec.x in body should be ...")
// for the rest.
import type { FieldError } from '../api/types.js';
import * as field from '../api/validation/field.js';
import { isPlainObject, mapValueSchema, type JsonSchemaProps } from './json-schema.js';
import { formatMatches } from './formats.js';

/** The type name kube-openapi reports for a JSON value. */
export function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  if (typeof value === 'object') return 'object';
  return typeof value;
}

function typeMatches(schema: JsonSchemaProps, value: unknown): boolean {
  if (schema['x-kubernetes-int-or-string']) return typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value));
  switch (schema.type) {
    case undefined:
      return true;
    case 'object':
      return isPlainObject(value);
    case 'array':
      return Array.isArray(value);
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
  }
}

/** How kube-openapi names a location inside the body: "spec.items[0].name". */
function bodyName(path: string): string {
  return path === '' ? 'body' : path;
}

class SchemaValidator {
  readonly errors: FieldError[] = [];

  validate(value: unknown, schema: JsonSchemaProps, path: string): void {
    if (value === null) {
      if (!schema.nullable && (schema.type !== undefined || schema['x-kubernetes-int-or-string'])) {
        this.errors.push({ type: 'FieldValueTypeInvalid', field: path, value: null, detail: `${bodyName(path)} in body must be of type ${schema.type ?? 'integer-or-string'}: "null"` });
      }
      return;
    }
    if (!typeMatches(schema, value)) {
      const expected = schema['x-kubernetes-int-or-string'] ? 'integer,string' : schema.type;
      this.errors.push({ type: 'FieldValueTypeInvalid', field: path, value, detail: `${bodyName(path)} in body must be of type ${expected}: "${jsonTypeOf(value)}"` });
      return;
    }
    if (schema.enum && !schema.enum.some((allowed) => JSON.stringify(allowed) === JSON.stringify(value))) {
      this.errors.push(field.notSupported(path, value, schema.enum.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)))));
    }
    if (typeof value === 'string') this.validateString(value, schema, path);
    else if (typeof value === 'number') this.validateNumber(value, schema, path);
    else if (Array.isArray(value)) this.validateArray(value, schema, path);
    else if (isPlainObject(value)) this.validateObject(value, schema, path);
    for (const part of schema.allOf ?? []) this.validate(value, part, path);
  }

  private validateString(value: string, schema: JsonSchemaProps, path: string): void {
    const length = [...value].length;
    if (schema.maxLength !== undefined && length > schema.maxLength) this.errors.push(field.tooLong(path, schema.maxLength));
    if (schema.minLength !== undefined && length < schema.minLength) {
      this.errors.push(field.invalid(path, value, `${bodyName(path)} in body should be at least ${schema.minLength} chars long`));
    }
    if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value)) {
      this.errors.push(field.invalid(path, value, `${bodyName(path)} in body should match '${schema.pattern}'`));
    }
    if (schema.format !== undefined && !formatMatches(schema.format, value)) {
      this.errors.push(field.invalid(path, value, `${bodyName(path)} in body must be of type ${schema.format}: ${JSON.stringify(value)}`));
    }
  }

  private validateNumber(value: number, schema: JsonSchemaProps, path: string): void {
    if (schema.maximum !== undefined) {
      const over = schema.exclusiveMaximum ? value >= schema.maximum : value > schema.maximum;
      if (over) this.errors.push(field.invalid(path, value, `${bodyName(path)} in body should be less than ${schema.exclusiveMaximum ? '' : 'or equal to '}${schema.maximum}`));
    }
    if (schema.minimum !== undefined) {
      const under = schema.exclusiveMinimum ? value <= schema.minimum : value < schema.minimum;
      if (under) this.errors.push(field.invalid(path, value, `${bodyName(path)} in body should be greater than ${schema.exclusiveMinimum ? '' : 'or equal to '}${schema.minimum}`));
    }
    if (schema.multipleOf !== undefined && schema.multipleOf !== 0 && !Number.isInteger(value / schema.multipleOf)) {
      this.errors.push(field.invalid(path, value, `${bodyName(path)} in body should be a multiple of ${schema.multipleOf}`));
    }
  }

  private validateArray(value: unknown[], schema: JsonSchemaProps, path: string): void {
    if (schema.maxItems !== undefined && value.length > schema.maxItems) this.errors.push(field.tooMany(path, value.length, schema.maxItems));
    if (schema.minItems !== undefined && value.length < schema.minItems) {
      this.errors.push(field.invalid(path, value.length, `${bodyName(path)} in body should have at least ${schema.minItems} items`));
    }
    const listType = schema['x-kubernetes-list-type'];
    if (schema.uniqueItems || listType === 'set') {
      const seen = new Set<string>();
      value.forEach((item, i) => {
        const key = JSON.stringify(item);
        if (seen.has(key)) this.errors.push(field.duplicate(field.index(path, i), item));
        seen.add(key);
      });
    }
    if (listType === 'map') {
      const keys = schema['x-kubernetes-list-map-keys'] ?? [];
      const seen = new Set<string>();
      value.forEach((item, i) => {
        if (!isPlainObject(item)) return;
        const key = JSON.stringify(keys.map((k) => item[k]));
        if (seen.has(key)) this.errors.push(field.duplicate(field.index(path, i), item));
        seen.add(key);
      });
    }
    if (schema.items) value.forEach((item, i) => this.validate(item, schema.items!, field.index(path, i)));
  }

  private validateObject(value: Record<string, unknown>, schema: JsonSchemaProps, path: string): void {
    const count = Object.keys(value).length;
    if (schema.maxProperties !== undefined && count > schema.maxProperties) this.errors.push(field.tooMany(path, count, schema.maxProperties));
    if (schema.minProperties !== undefined && count < schema.minProperties) {
      this.errors.push(field.invalid(path, count, `${bodyName(path)} in body should have at least ${schema.minProperties} properties`));
    }
    for (const name of schema.required ?? []) {
      if (!(name in value)) this.errors.push(field.required(field.child(path, name), ''));
    }
    const values = mapValueSchema(schema);
    for (const [key, child] of Object.entries(value)) {
      const property = schema.properties?.[key];
      if (property) this.validate(child, property, field.child(path, key));
      else if (values) this.validate(child, values, field.child(path, key));
    }
  }
}

/**
 * Field errors of `value` against `schema`, paths starting at `path`
 * (the root of a custom resource validates with path "").
 * apiVersion, kind and metadata at the root are checked elsewhere.
 */
export function validateAgainstSchema(value: unknown, schema: JsonSchemaProps, path = ''): FieldError[] {
  const validator = new SchemaValidator();
  if (path === '' && isPlainObject(value)) {
    const { apiVersion: _a, kind: _k, metadata: _m, ...rest } = value;
    const { apiVersion: _sa, kind: _sk, metadata: _sm, ...properties } = schema.properties ?? {};
    validator.validate(rest, { ...schema, properties, required: (schema.required ?? []).filter((r) => !['apiVersion', 'kind', 'metadata'].includes(r)) }, '');
  } else {
    validator.validate(value, schema, path);
  }
  return validator.errors;
}
