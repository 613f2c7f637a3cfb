// Stable hashes of pod templates (pod-template-hash, ControllerRevision
// names). Kubernetes hashes Go structs with FNV-32a; we hash canonical JSON
// with FNV-32a and encode it with the same safe alphabet, so names look and
// behave the same (stable, collision-avoidable), if not bit-identical.

const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const record = value as Record<string, unknown>;
  return `{${Object.keys(record).filter((k) => record[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`).join(',')}}`;
}

export function fnv32a(text: string): number {
  let hash = 0x811c9dc5;
  const bytes = Buffer.from(text, 'utf8');
  for (const byte of bytes) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** rand.SafeEncodeString: maps each character of the decimal string onto a vowel-free alphabet. */
export function safeEncode(text: string): string {
  let out = '';
  for (const ch of text) out += SAFE_ALPHABET[ch.charCodeAt(0) % SAFE_ALPHABET.length];
  return out;
}

/** controller.ComputeHash: the template's hash, salted with collisionCount when one is set. */
export function computeHash(template: unknown, collisionCount?: number): string {
  const salt = collisionCount ? `|${collisionCount}` : '';
  return safeEncode(String(fnv32a(canonicalJson(template) + salt)));
}
