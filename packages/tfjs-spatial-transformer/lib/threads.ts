import {native} from './native';

/**
 * Sets how many threads the native kernels use (default: the machine's cores).
 * @throws Error unless `n` is an integer >= 1.
 */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`setNumThreads: n must be an integer >= 1, but got ${String(n)}`);
  }
  native.setNumThreads(n);
}

/** The number of threads the native kernels use. */
export function getNumThreads(): number {
  return native.getNumThreads();
}
