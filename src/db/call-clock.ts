/**
 * When the calls of one unit of work (a request, a saga step) were in flight, to count round trips
 * on the critical path rather than calls: two calls sent side by side cost one round trip of
 * latency, not two. Each call is an interval between two ticks of a logical clock (`begin` returns
 * its `end`); the round trips on the critical path are the longest chain of calls each sent after
 * the one before it answered (a maximum chain of disjoint intervals, by weight). A logical clock,
 * not time: in a Worker `Date.now()` stands still between I/O events, and calls sent in one tick
 * must still count as overlapping.
 */
export interface CallClock {
  /** A call starts; call the result when it has answered (or failed). */
  begin(weight?: number): () => void;
  /** Round trips saved by overlap so far: the calls' total weight minus the longest chain's. */
  overlapped(): number;
}

interface Interval {
  start: number;
  end: number;
  weight: number;
}

export function createCallClock(): CallClock {
  let tick = 0;
  const done: Interval[] = [];
  return {
    begin(weight = 1) {
      const start = ++tick;
      let ended = false;
      return () => {
        if (ended) return;
        ended = true;
        done.push({ start, end: ++tick, weight });
      };
    },
    overlapped() {
      const total = done.reduce((sum, i) => sum + i.weight, 0);
      return total - longestChain(done);
    },
  };
}

/** Weighted interval scheduling: the heaviest set of pairwise disjoint intervals (each after the last). */
export function longestChain(intervals: readonly Interval[]): number {
  const byEnd = [...intervals].sort((a, b) => a.end - b.end);
  const best: number[] = [];
  for (let i = 0; i < byEnd.length; i++) {
    const current = byEnd[i]!;
    // The last interval that ended before this one started (ends are sorted: binary search).
    let lo = 0;
    let hi = i - 1;
    let before = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (byEnd[mid]!.end < current.start) {
        before = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    const take = current.weight + (before >= 0 ? best[before]! : 0);
    best.push(Math.max(take, i > 0 ? best[i - 1]! : 0));
  }
  return best.at(-1) ?? 0;
}
