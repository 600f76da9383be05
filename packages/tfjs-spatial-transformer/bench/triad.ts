// Memory bandwidth, measured by the bench itself: a STREAM-style triad
// a[i] = b[i] + s * c[i] over arrays far larger than the caches (all threads'
// arrays together at least 4× the last-level cache, each at least 32 MiB), on
// 1 thread (the main thread) and on k threads (k worker threads, each on its
// own arrays, started together). Bytes counted as STREAM does: 3 arrays × 4 bytes
// per element (no write-allocate). The best of several runs is reported.
import {Worker} from 'worker_threads';

const MIN_ELEMENTS = 1 << 23;  // 32 MiB per array
const REPS = 4;

/** Elements per array for `threads` triads running at once. */
function elementsFor(threads: number, cacheBytes: number): number {
  return Math.max(MIN_ELEMENTS, Math.ceil(4 * cacheBytes / (3 * 4 * threads)));
}

const WORKER_SOURCE = `
const {parentPort, workerData} = require('worker_threads');
const n = workerData.elements;
const a = new Float32Array(n), b = new Float32Array(n).fill(1), c = new Float32Array(n).fill(2);
const flag = new Int32Array(workerData.flag);
function triad(s) { for (let i = 0; i < n; i++) a[i] = b[i] + s * c[i]; }
triad(0.5); triad(0.5);
parentPort.postMessage('ready');
for (let round = 0; round < workerData.rounds; round++) {
  Atomics.wait(flag, 0, round);
  for (let r = 0; r < workerData.reps; r++) triad(r);
  parentPort.postMessage('done');
}
`;

function triadOnce(a: Float32Array, b: Float32Array, c: Float32Array, s: number): void {
  for (let i = 0; i < a.length; i++) a[i] = b[i] + s * c[i];
}

/** Bytes/s of the triad on the calling thread. */
function singleThread(elements: number): number {
  const a = new Float32Array(elements), b = new Float32Array(elements).fill(1),
      c = new Float32Array(elements).fill(2);
  triadOnce(a, b, c, 0.5);
  let best = Infinity;
  for (let round = 0; round < 3; round++) {
    const t0 = performance.now();
    for (let r = 0; r < REPS; r++) triadOnce(a, b, c, r);
    best = Math.min(best, performance.now() - t0);
  }
  return (3 * 4 * elements * REPS) / (best / 1e3);
}

/** Bytes/s of `threads` triads running at once. */
async function multiThread(threads: number, elements: number): Promise<number> {
  const rounds = 3;
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const workers = Array.from({length: threads}, () => new Worker(WORKER_SOURCE,
      {eval: true, workerData: {elements, reps: REPS, rounds, flag: flag.buffer}}));
  const next = (w: Worker) => new Promise<void>((resolve, reject) => {
    w.once('message', () => resolve());
    w.once('error', reject);
  });
  await Promise.all(workers.map(next));
  let best = Infinity;
  for (let round = 0; round < rounds; round++) {
    const done = Promise.all(workers.map(next));
    const t0 = performance.now();
    Atomics.store(flag, 0, round + 1);
    Atomics.notify(flag, 0);
    await done;
    best = Math.min(best, performance.now() - t0);
  }
  await Promise.all(workers.map((w) => w.terminate()));
  return (threads * 3 * 4 * elements * REPS) / (best / 1e3);
}

/** Triad bandwidth in bytes/s for each thread count, on arrays well beyond `cacheBytes`. */
export async function measureBandwidth(threadCounts: number[], cacheBytes: number): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  for (const t of threadCounts) {
    const elements = elementsFor(t, cacheBytes);
    out.set(t, t === 1 ? singleThread(elements) : await multiThread(t, elements));
  }
  return out;
}
