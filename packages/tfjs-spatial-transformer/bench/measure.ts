// The measuring loop: every contender warmed up, then the contenders take
// turns, one call each, for several rounds (interleaved, so a busy machine
// slows all of them alike).
import {Contender} from './contender';

/** Composite calls slower than this get fewer rounds (the whole contender ~this budget). */
const COMPOSITE_BUDGET_MS = 4000;

export async function measure(contenders: Contender[], rounds: number): Promise<Map<Contender, number[]>> {
  const times = new Map<Contender, number[]>(contenders.map((c) => [c, []]));
  const live = contenders.filter((c) => c.maxRounds > 0);
  // Warm-up (the first calls compile, allocate, and fill caches).
  for (const c of live) {
    await c.setup?.();
    const first = await c.run();
    if (c.maxRounds !== Infinity) {
      c.maxRounds = Math.max(1, Math.min(c.maxRounds, Math.floor(COMPOSITE_BUDGET_MS / first)));
    } else {
      await c.run();
    }
  }
  for (let r = 0; r < rounds; r++) {
    for (const c of live) {
      if (times.get(c)!.length >= c.maxRounds) continue;
      await c.setup?.();
      times.get(c)!.push(await c.run());
    }
  }
  return times;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
