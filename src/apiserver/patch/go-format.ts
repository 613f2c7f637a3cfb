// Kubernetes' patch errors embed Go's fmt %v rendering of decoded JSON
// (e.g. "unknown patch type: foo in map: map[$patch:foo name:web]").
// Reproducing that format keeps our messages identical to kube-apiserver's.

/** fmt.Sprintf("%v", value) for a value decoded by encoding/json. */
export function formatGoValue(value: unknown): string {
  if (value === null || value === undefined) return '<nil>';
  if (Array.isArray(value)) return `[${value.map(formatGoValue).join(' ')}]`;
  if (typeof value === 'object') {
    // Go prints map keys sorted.
    const entries = Object.keys(value)
      .sort()
      .map((key) => `${key}:${formatGoValue((value as Record<string, unknown>)[key])}`);
    return `map[${entries.join(' ')}]`;
  }
  return String(value);
}

/**
 * reflect.TypeOf(value).String() for a value decoded the way kube-apiserver
 * decodes patches (integers preserved as int64).
 */
export function goTypeName(value: unknown): string {
  if (value === null || value === undefined) return '<nil>';
  if (Array.isArray(value)) return '[]interface {}';
  switch (typeof value) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'number':
      return Number.isInteger(value) ? 'int64' : 'float64';
    default:
      return 'map[string]interface {}';
  }
}

/** The JSON kind encoding/json names in "cannot unmarshal X into Go value". */
export function jsonKindName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'object') return 'object';
  return typeof value;
}
