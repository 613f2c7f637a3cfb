// Completion indexes of Indexed Jobs, kept as ordered, non-adjacent
// intervals, in the compact text form status.completedIndexes uses
// ("0-2,4,6,7": ranges of three or more use a dash, pairs a comma).
import type { KubeObject } from '../../api/types.js';
import { JOB_COMPLETION_INDEX_KEY } from './job-api.js';

interface Interval {
  first: number;
  last: number;
}

export class IndexIntervals {
  private constructor(private readonly intervals: readonly Interval[]) {}

  static readonly EMPTY = new IndexIntervals([]);

  /** Parses status.completedIndexes, dropping indexes >= completions and ignoring corrupt parts. */
  static parse(text: string | undefined, completions: number): IndexIntervals {
    if (!text) return IndexIntervals.EMPTY;
    const result: Interval[] = [];
    for (const part of text.split(',')) {
      const [firstText, lastText] = part.split('-');
      const first = Number.parseInt(firstText, 10);
      if (!Number.isInteger(first) || first < 0) continue;
      if (first >= completions) break;
      let last = lastText === undefined ? first : Number.parseInt(lastText, 10);
      if (!Number.isInteger(last)) continue;
      last = Math.min(last, completions - 1);
      const previous = result[result.length - 1];
      if (previous && previous.last === first - 1) previous.last = last;
      else result.push({ first, last });
    }
    return new IndexIntervals(result);
  }

  /** These intervals plus the given indexes (in any order, duplicates allowed). */
  with(indexes: Iterable<number>): IndexIntervals {
    const added = [...new Set(indexes)].sort((a, b) => a - b).map((i) => ({ first: i, last: i }));
    return this.merge(new IndexIntervals(added));
  }

  merge(other: IndexIntervals): IndexIntervals {
    const all = [...this.intervals, ...other.intervals].sort((a, b) => a.first - b.first);
    const result: Interval[] = [];
    for (const next of all) {
      const previous = result[result.length - 1];
      if (!previous || next.first > previous.last + 1) result.push({ ...next });
      else if (next.last > previous.last) previous.last = next.last;
    }
    return new IndexIntervals(result);
  }

  has(index: number): boolean {
    return this.intervals.some((i) => i.first <= index && index <= i.last);
  }

  total(): number {
    return this.intervals.reduce((sum, i) => sum + i.last - i.first + 1, 0);
  }

  /** The first `count` indexes below `completions` not covered by these intervals. */
  firstMissing(count: number, completions: number): number[] {
    const result: number[] = [];
    let candidate = 0;
    for (const interval of this.intervals) {
      for (; candidate < completions && result.length < count && candidate < interval.first; candidate++) result.push(candidate);
      candidate = Math.max(candidate, interval.last + 1);
    }
    for (; candidate < completions && result.length < count; candidate++) result.push(candidate);
    return result;
  }

  toString(): string {
    return this.intervals
      .map(({ first, last }) => (last === first ? `${first}` : last === first + 1 ? `${first},${last}` : `${first}-${last}`))
      .join(',');
  }
}

export const UNKNOWN_COMPLETION_INDEX = -1;

/** The pod's completion index annotation, or UNKNOWN_COMPLETION_INDEX if absent or malformed. */
export function completionIndexOf(pod: KubeObject): number {
  const text = pod.metadata.annotations?.[JOB_COMPLETION_INDEX_KEY];
  if (text === undefined || !/^\d+$/.test(text)) return UNKNOWN_COMPLETION_INDEX;
  const index = Number(text);
  return Number.isSafeInteger(index) ? index : UNKNOWN_COMPLETION_INDEX;
}

/** Whether the pod carries an index that is valid for `completions`. */
export function hasValidIndex(pod: KubeObject, completions: number): boolean {
  const index = completionIndexOf(pod);
  return index !== UNKNOWN_COMPLETION_INDEX && index < completions;
}
