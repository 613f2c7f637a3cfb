// Label selectors: the string syntax of k8s.io/apimachinery/pkg/labels
// (`a=b,c!=d,e in (x,y),f notin (z),g,!h,n>1`) and the structured
// metav1.LabelSelector (matchLabels + matchExpressions) used in specs.

export type LabelOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';

export interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  values: string[];
}

export class SelectorParseError extends Error {}

export type Labels = Record<string, string> | undefined;

export function matchesRequirement(req: LabelRequirement, labels: Labels): boolean {
  const has = labels !== undefined && Object.prototype.hasOwnProperty.call(labels, req.key);
  const value = has ? labels![req.key] : undefined;
  switch (req.operator) {
    case 'In':
      return has && req.values.includes(value!);
    case 'NotIn':
      return !has || !req.values.includes(value!);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
    case 'Lt': {
      if (!has) return false;
      const actual = Number.parseInt(value!, 10);
      const bound = Number.parseInt(req.values[0] ?? '', 10);
      if (Number.isNaN(actual) || Number.isNaN(bound)) return false;
      return req.operator === 'Gt' ? actual > bound : actual < bound;
    }
  }
}

export function matchesAll(reqs: LabelRequirement[], labels: Labels): boolean {
  return reqs.every((r) => matchesRequirement(r, labels));
}

/** Tokenises and parses the label selector string syntax. Empty string selects everything. */
export function parseLabelSelector(text: string): LabelRequirement[] {
  const src = text.trim();
  if (src === '') return [];
  const reqs: LabelRequirement[] = [];
  let i = 0;

  const skipSpace = () => {
    while (i < src.length && /\s/.test(src[i]!)) i++;
  };
  const readKey = (): string => {
    skipSpace();
    const start = i;
    while (i < src.length && /[A-Za-z0-9._\-/]/.test(src[i]!)) i++;
    return src.slice(start, i);
  };
  const readValue = (): string => {
    skipSpace();
    const start = i;
    while (i < src.length && /[A-Za-z0-9._\-]/.test(src[i]!)) i++;
    return src.slice(start, i);
  };
  const readSet = (): string[] => {
    skipSpace();
    if (src[i] !== '(') throw new SelectorParseError(`found '${src[i] ?? ''}', expected: '('`);
    i++;
    const values: string[] = [];
    for (;;) {
      const v = readValue();
      skipSpace();
      values.push(v);
      if (src[i] === ',') {
        i++;
        continue;
      }
      if (src[i] === ')') {
        i++;
        break;
      }
      throw new SelectorParseError(`found '${src[i] ?? ''}', expected: ',' or ')'`);
    }
    return values;
  };

  while (i < src.length) {
    skipSpace();
    let negate = false;
    if (src[i] === '!') {
      negate = true;
      i++;
    }
    const key = readKey();
    if (key === '') throw new SelectorParseError(`unable to parse requirement: found '${src[i] ?? ''}', expected: identifier`);
    validateLabelKey(key);
    skipSpace();
    if (negate) {
      reqs.push({ key, operator: 'DoesNotExist', values: [] });
    } else if (i >= src.length || src[i] === ',') {
      reqs.push({ key, operator: 'Exists', values: [] });
    } else if (src.startsWith('==', i)) {
      i += 2;
      reqs.push({ key, operator: 'In', values: [checkedValue(readValue())] });
    } else if (src.startsWith('!=', i)) {
      i += 2;
      reqs.push({ key, operator: 'NotIn', values: [checkedValue(readValue())] });
    } else if (src[i] === '=') {
      i += 1;
      reqs.push({ key, operator: 'In', values: [checkedValue(readValue())] });
    } else if (src[i] === '>' || src[i] === '<') {
      const op = src[i] === '>' ? 'Gt' : 'Lt';
      i += 1;
      const v = readValue();
      if (!/^-?\d+$/.test(v)) throw new SelectorParseError(`unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer`);
      reqs.push({ key, operator: op, values: [v] });
    } else if (/^notin\b/.test(src.slice(i))) {
      i += 5;
      reqs.push({ key, operator: 'NotIn', values: readSet().map(checkedValue) });
    } else if (/^in\b/.test(src.slice(i)) || src.startsWith('in(', i)) {
      i += 2;
      reqs.push({ key, operator: 'In', values: readSet().map(checkedValue) });
    } else {
      throw new SelectorParseError(`unable to parse requirement: found '${src.slice(i)}', expected: in, notin, =, ==, !=, gt, lt`);
    }
    skipSpace();
    if (i < src.length) {
      if (src[i] !== ',') throw new SelectorParseError(`found '${src[i]}', expected: ',' or 'end of string'`);
      i++;
      skipSpace();
      if (i >= src.length) throw new SelectorParseError(`found '', expected: identifier after ','`);
    }
  }
  return reqs;
}

const LABEL_NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function validateLabelKey(key: string): void {
  const slash = key.indexOf('/');
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  const prefix = slash >= 0 ? key.slice(0, slash) : '';
  if (slash >= 0 && (prefix.length === 0 || prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) {
    throw new SelectorParseError(`unable to parse requirement: invalid label key "${key}": prefix part must be a DNS-1123 subdomain`);
  }
  if (name.length === 0 || name.length > 63 || !LABEL_NAME.test(name)) {
    throw new SelectorParseError(`unable to parse requirement: invalid label key "${key}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`);
  }
}

function checkedValue(value: string): string {
  if (value.length > 63 || (value !== '' && !LABEL_NAME.test(value))) {
    throw new SelectorParseError(`unable to parse requirement: invalid label value: "${value}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`);
  }
  return value;
}

export interface LabelSelectorSpec {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** metav1.LabelSelectorAsSelector: an empty selector matches everything, a null one nothing (callers decide). */
export function requirementsFromLabelSelector(sel: LabelSelectorSpec | undefined): LabelRequirement[] {
  if (!sel) return [];
  const reqs: LabelRequirement[] = [];
  for (const [key, value] of Object.entries(sel.matchLabels ?? {})) reqs.push({ key, operator: 'In', values: [value] });
  for (const expr of sel.matchExpressions ?? []) {
    const op = expr.operator as LabelOperator;
    if (!['In', 'NotIn', 'Exists', 'DoesNotExist'].includes(op)) {
      throw new SelectorParseError(`"${expr.operator}" is not a valid label selector operator`);
    }
    reqs.push({ key: expr.key, operator: op, values: [...(expr.values ?? [])].sort() });
  }
  return reqs;
}

/** Renders requirements in the canonical string form (sorted by key), as labels.Selector.String(). */
export function formatLabelSelector(reqs: LabelRequirement[]): string {
  const sorted = [...reqs].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return sorted
    .map((r) => {
      switch (r.operator) {
        case 'In':
          return r.values.length === 1 ? `${r.key}=${r.values[0]}` : `${r.key} in (${r.values.join(',')})`;
        case 'NotIn':
          return r.values.length === 1 ? `${r.key}!=${r.values[0]}` : `${r.key} notin (${r.values.join(',')})`;
        case 'Exists':
          return r.key;
        case 'DoesNotExist':
          return `!${r.key}`;
        case 'Gt':
          return `${r.key}>${r.values[0]}`;
        case 'Lt':
          return `${r.key}<${r.values[0]}`;
      }
    })
    .join(',');
}
