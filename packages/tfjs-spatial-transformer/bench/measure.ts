// The measuring loop: every contender warmed up, then the contenders take
// turns, one warm and one cold call each, for several rounds (interleaved, so
// a busy machine slows all of them alike).
//
// Warm: an untimed call, then the timed one, on the same buffers (set 0): the
// inputs are in the caches as far as they fit, as in a loop over one batch.
// Cold: each call takes the next of the pass's cold buffer sets (one counter
// for all contenders), enough sets that between two calls on one set the
// other calls move at least twice the last-level cache, so the inputs come
// from memory, as in XNNPACK's benchmarks.
import {Contender} from './contender';

export const CACHE_STATES = ['warm', 'cold'] as const;
export type CacheState = typeof CACHE_STATES[number];

/** Composite calls slower than this get fewer rounds (the whole contender ~this budget). */
const COMPOSITE_BUDGET_MS = 4000;

/** At most this many cold sets (tiny shapes would need thousands): then the cold calls stay in the cache. */
export const MAX_COLD_SETS = 64;

/**
 * How many buffer sets a cold call of a pass moving `bytesPerCall` rotates
 * through: between two calls on one set, the others move >= 2× `cacheBytes`.
 */
export function coldSets(bytesPerCall: number, cacheBytes: number): number {
  return Math.min(MAX_COLD_SETS, 1 + Math.ceil(2 * cacheBytes / bytesPerCall));
}

export type Times = Map<Contender, Record<CacheState, number[]>>;

/** Times each contender warm and cold; `cold` sets are 1..cold (set 0 is the warm one). */
export async function measure(contenders: Contender[], rounds: number, cold: number): Promise<Times> {
  const times: Times = new Map(contenders.map((c) => [c, {warm: [], cold: []}]));
  const live = contenders.filter((c) => c.maxRounds > 0);
  // Warm-up (the first calls compile, allocate, and fill caches).
  for (const c of live) {
    await c.setup?.();
    const first = await c.run(0);
    if (c.maxRounds !== Infinity) {
      // A round is three calls: warm (untimed, timed) and cold.
      c.maxRounds = Math.max(1, Math.min(c.maxRounds, Math.floor(COMPOSITE_BUDGET_MS / (3 * first))));
    } else {
      await c.run(0);
    }
  }
  let coldCalls = 0;
  for (let r = 0; r < rounds; r++) {
    for (const c of live) {
      const t = times.get(c)!;
      if (t.warm.length >= c.maxRounds) continue;
      await c.setup?.();
      await c.run(0);
      t.warm.push(await c.run(0));
      await c.setup?.();
      t.cold.push(await c.run(1 + coldCalls++ % cold));
    }
  }
  return times;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
