// Which keys a range or a watch covers, and how keys are ordered.
//
// Keys are ordered by Unicode code point, which is the order of their UTF-8
// bytes: the order etcd (bytes) and SQLite (BINARY collation over UTF-8 TEXT)
// use. JavaScript's `<` compares UTF-16 code units, which differs for
// characters above U+FFFF, so the memory backend must use `compareKeys`.

/** One key exactly, or every key starting with `key`. */
export interface KeyRange {
  key: string;
  prefix: boolean;
}

/** The half-open interval [start, end) of keys; no `end` means unbounded. */
export interface KeyBounds {
  start: string;
  end?: string;
}

export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  const shorter = Math.min(a.length, b.length);
  for (let i = 0; i < shorter; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

/** Surrogates encode code points above U+FFFF, so they sort after every other code unit. */
function codePointRank(codeUnit: number): number {
  return codeUnit >= 0xd800 && codeUnit <= 0xdfff ? codeUnit + 0x10000 : codeUnit;
}

/**
 * The smallest key greater than every key starting with `prefix` (etcd's
 * "range end" for a prefix), or undefined when no such key exists
 * (the empty prefix covers every key).
 */
export function prefixEnd(prefix: string): string | undefined {
  const codePoints = Array.from(prefix, (c) => c.codePointAt(0)!);
  while (codePoints.length > 0) {
    const last = codePoints.pop()!;
    if (last < 0x10ffff) {
      const next = last + 1 === 0xd800 ? 0xe000 : last + 1;
      return String.fromCodePoint(...codePoints, next);
    }
  }
  return undefined;
}

/** The interval a range covers; `fromKey` (paging) raises the start but never widens it. */
export function keyBounds(range: KeyRange, fromKey?: string): KeyBounds {
  // key + '\0' is the immediate successor of key, so [key, key + '\0') is exactly {key}.
  if (!range.prefix) return { start: range.key, end: range.key + '\0' };
  const start = fromKey !== undefined && compareKeys(fromKey, range.key) > 0 ? fromKey : range.key;
  const end = prefixEnd(range.key);
  return end === undefined ? { start } : { start, end };
}

export function inRange(range: KeyRange, key: string): boolean {
  return range.prefix ? key.startsWith(range.key) : key === range.key;
}

export function inRangeBounds(bounds: KeyBounds, key: string): boolean {
  return compareKeys(key, bounds.start) >= 0 && (bounds.end === undefined || compareKeys(key, bounds.end) < 0);
}
