// Test utilities of the app's tests.
import * as tf from '@tensorflow/tfjs-node';

/** Switches tfjs to `name` and fails loudly (never skips) if that backend is missing. */
export async function useBackend(name: string): Promise<void> {
  const ok = await tf.setBackend(name);
  if (!ok || tf.getBackend() !== name) throw new Error(`tfjs backend '${name}' is not available`);
}

/** max_i |a_i − b_i| (NaN when the lengths differ or a value is NaN). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return NaN;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= max)) max = d;
  }
  return max;
}
