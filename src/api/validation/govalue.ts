// Kubernetes prints a rejected value with Go's fmt verbs: %q for strings and
// %#v for composite values (`map[string]string{"app":"web"}`,
// `v1.LabelSelector{...}`, `intstr.IntOrString{...}`). Our objects are plain
// JSON with no Go types attached, so validators wrap such values in a GoValue
// that carries the Go rendering alongside the JSON value itself.

/** A bad value with its Go %#v rendering; serialises as the plain JSON value. */
export class GoValue {
  constructor(
    readonly text: string,
    readonly json: unknown,
  ) {}

  toJSON(): unknown {
    return this.json;
  }

  toString(): string {
    return this.text;
  }
}

const printable = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

const shortEscapes: Record<string, string> = {
  '\x07': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
  '\\': '\\\\',
  '"': '\\"',
};

/** strconv.Quote: Go's double-quoted string literal. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const escaped = shortEscapes[ch];
    if (escaped !== undefined) {
      out += escaped;
      continue;
    }
    const cp = ch.codePointAt(0) ?? 0;
    if (cp >= 0xd800 && cp <= 0xdfff) out += '\\ufffd';
    else if (printable.test(ch)) out += ch;
    else if (cp < 0x80) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp <= 0xffff) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += `\\U${cp.toString(16).padStart(8, '0')}`;
  }
  return out + '"';
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** %#v of a []string: `[]string{"a", "b"}`, `[]string(nil)` when absent. */
export function goStringSliceText(values: unknown): string {
  if (!Array.isArray(values)) return '[]string(nil)';
  return `[]string{${values.map((v) => goQuote(String(v))).join(', ')}}`;
}

/** %#v of a map[string]string: keys sorted as fmt does, `map[string]string(nil)` when absent. */
export function goStringMapText(m: unknown): string {
  if (!isRecord(m)) return 'map[string]string(nil)';
  const keys = Object.keys(m).sort();
  return `map[string]string{${keys.map((k) => `${goQuote(k)}:${goQuote(String(m[k]))}`).join(', ')}}`;
}

export function goStringSlice(values: unknown): GoValue {
  return new GoValue(goStringSliceText(values), values ?? null);
}

export function goStringMap(m: unknown): GoValue {
  return new GoValue(goStringMapText(m), m ?? null);
}

/** %#v of a metav1.LabelSelector (what ValidateImmutableField and friends print for selectors). */
export function goLabelSelector(selector: unknown): GoValue {
  if (!isRecord(selector)) return new GoValue('null', null);
  const expressions = selector.matchExpressions;
  let exprText = '[]v1.LabelSelectorRequirement(nil)';
  if (Array.isArray(expressions)) {
    const items = expressions.map((e) => {
      const r = isRecord(e) ? e : {};
      return `v1.LabelSelectorRequirement{Key:${goQuote(String(r.key ?? ''))}, Operator:${goQuote(String(r.operator ?? ''))}, Values:${goStringSliceText(r.values)}}`;
    });
    exprText = `[]v1.LabelSelectorRequirement{${items.join(', ')}}`;
  }
  return new GoValue(`v1.LabelSelector{MatchLabels:${goStringMapText(selector.matchLabels)}, MatchExpressions:${exprText}}`, selector);
}

/** %#v of an intstr.IntOrString (Type 0 is Int, 1 is String). */
export function goIntOrString(v: unknown): GoValue {
  if (typeof v === 'string') return new GoValue(`intstr.IntOrString{Type:1, IntVal:0, StrVal:${goQuote(v)}}`, v);
  const n = typeof v === 'number' ? v : 0;
  return new GoValue(`intstr.IntOrString{Type:0, IntVal:${n}, StrVal:""}`, v ?? null);
}
