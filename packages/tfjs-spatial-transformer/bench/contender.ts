// What every contender is to the measuring loop.

export interface Contender {
  name: string;
  threads: number;
  /** Rounds to run (the composite may get fewer); 0 = skipped with `note`. */
  maxRounds: number;
  note?: string;
  /** Runs one call; returns its ms (the torch contender reports its own timing). */
  run(): Promise<number>|number;
  setup?(): Promise<void>;
}

export function timeIt(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}
