// Field selectors (`metadata.name=x,spec.nodeName!=`): only equality and
// inequality on a fixed set of fields per resource, as kube-apiserver allows.

export interface FieldRequirement {
  field: string;
  operator: '=' | '!=';
  value: string;
}

export class FieldSelectorParseError extends Error {}

/** Splits on unescaped separators; `\,`, `\=`, `\!` and `\\` escape as in fields.ParseSelector. */
function splitUnescaped(text: string, sep: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\\' && i + 1 < text.length) {
      current += ch + text[i + 1];
      i++;
    } else if (ch === sep) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts;
}

function unescape(text: string): string {
  return text.replace(/\\(.)/g, '$1');
}

export function parseFieldSelector(text: string): FieldRequirement[] {
  const src = text.trim();
  if (src === '') return [];
  const reqs: FieldRequirement[] = [];
  for (const part of splitUnescaped(src, ',')) {
    const match = /^(.*?[^\\])(==|!=|=)(.*)$/.exec(part);
    if (!match) throw new FieldSelectorParseError(`invalid selector: '${text}'; can't understand '${part}'`);
    const field = unescape(match[1]!.trim());
    const op = match[2] === '!=' ? '!=' : '=';
    reqs.push({ field, operator: op, value: unescape(match[3]!) });
  }
  return reqs;
}

export function matchesFields(reqs: FieldRequirement[], fields: Record<string, string>): boolean {
  return reqs.every((r) => {
    const actual = fields[r.field] ?? '';
    return r.operator === '=' ? actual === r.value : actual !== r.value;
  });
}
