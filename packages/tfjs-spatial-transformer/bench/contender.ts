// What every contender is to the measuring loop.

export interface Contender {
  name: string;
  threads: number;
  /** Rounds to run (the composite may get fewer); 0 = skipped with `note`. */
  maxRounds: number;
  note?: string;
  /**
   * Runs one call on buffer set `set` (0: the warm set; 1..: the cold ones);
   * returns its ms (the torch contender reports its own timing).
   */
  run(set: number): Promise<number>|number;
  /** Called before every call: makes the buffer sets on first use (untimed), switches backends. */
  setup?(): Promise<void>|void;
}

export function timeIt(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}
