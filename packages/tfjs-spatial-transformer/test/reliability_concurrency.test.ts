// Concurrency: the addon loads in worker_threads (it is context-aware), and
// kernels called from several workers at once, while the main thread keeps
// changing the thread count, give the single-threaded results bit for bit.
import * as fs from 'fs';
import * as path from 'path';
import {Worker} from 'worker_threads';
import {afterAll, describe, expect, test} from 'vitest';

import {native, SamplerShape} from '../lib/native';
import {expectBitwise, randomArray, rng} from './helpers';

// The file lib/native.ts loads (its first existing candidate).
const ADDON = ['Release', 'Debug']
    .map((dir) => path.join(__dirname, '..', 'build', dir, 'stn_native.node'))
    .find((file) => fs.existsSync(file))!;

// Past the kernels' parallel threshold (16384 output elements), N < 8: the
// row-blocked grad_input scatter with scratch slices.
const SHAPE: SamplerShape = [2, 24, 24, 8, 32, 32];
const [N, H, W, C, HO, WO] = SHAPE;

// Runs `iterations` forward + backward calls, checks each against the first,
// and returns the first results. Plain JS: a worker loads the addon itself.
const WORKER_SOURCE = `
const {parentPort, workerData} = require('worker_threads');
const addon = require(workerData.addon);
const {input, grid, gradOutput, shape, mode, padding, align, iterations} = workerData;
const [n, h, w, c, ho, wo] = shape;
const run = () => {
  const output = new Float32Array(n * ho * wo * c);
  addon.gridSampleForward(input, grid, output, shape, mode, padding, align);
  const gradInput = new Float32Array(n * h * w * c), gradGrid = new Float32Array(n * ho * wo * 2);
  addon.gridSampleBackward(gradOutput, input, grid, gradInput, gradGrid, shape, mode, padding, align);
  const theta = new Float32Array(n * 6).fill(0.5), agrid = new Float32Array(n * ho * wo * 2);
  addon.affineGridForward(theta, agrid, n, ho, wo, align);
  return {output, gradInput, gradGrid, agrid};
};
const same = (a, b) => Buffer.compare(Buffer.from(a.buffer), Buffer.from(b.buffer)) === 0;
const first = run();
let mismatches = 0;
for (let i = 1; i < iterations; i++) {
  const r = run();
  for (const k of Object.keys(first)) if (!same(r[k], first[k])) mismatches++;
}
parentPort.postMessage({...first, mismatches, threadsSeen: addon.getNumThreads()});
`;

interface WorkerResult {
  output: Float32Array, gradInput: Float32Array, gradGrid: Float32Array, agrid: Float32Array,
  mismatches: number, threadsSeen: number,
}

function runWorker(data: object): Promise<WorkerResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, {eval: true, workerData: {addon: ADDON, ...data}});
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`worker exited with code ${code}`));
    });
  });
}

describe('native kernels in worker_threads', () => {
  const initialThreads = native.getNumThreads();
  afterAll(() => native.setNumThreads(initialThreads));

  test.each([
    ['bilinear', 'zeros', false], ['bilinear', 'reflection', true], ['nearest', 'border', false],
  ] as const)('4 workers at once (%s, %s, align %s), thread count changing: single-thread bits',
      async (modeName, paddingName, align) => {
        const random = rng(4242);
        const input = randomArray(random, N * H * W * C);
        const grid = randomArray(random, N * HO * WO * 2, -1.3, 1.3);
        const gradOutput = randomArray(random, N * HO * WO * C);
        const mode = native.Interpolation[modeName], padding = native.Padding[paddingName];

        // Expected: the reference's forward, and the threaded kernels' gradients
        // on one thread (grad_input is a blocked sum; grad_grid, with C > 4,
        // regroups the channel sum: both within rounding of the reference).
        native.setNumThreads(1);
        const output = new Float32Array(N * HO * WO * C);
        native.reference.gridSampleForward(input, grid, output, SHAPE, mode, padding, align);
        const gradGrid = new Float32Array(N * HO * WO * 2);
        const gradInput = new Float32Array(N * H * W * C);
        native.gridSampleBackward(gradOutput, input, grid, gradInput, gradGrid, SHAPE, mode, padding,
            align);
        const agrid = new Float32Array(N * HO * WO * 2);
        native.reference.affineGridForward(new Float32Array(N * 6).fill(0.5), agrid, N, HO, WO, align);

        // The main thread flips the thread count 1..4 while the workers run.
        let flips = 0;
        const flipper = setInterval(() => native.setNumThreads(1 + (flips++ % 4)), 1);
        try {
          const results = await Promise.all(Array.from({length: 4}, () => runWorker(
              {input, grid, gradOutput, shape: SHAPE, mode, padding, align, iterations: 12})));
          for (const [i, r] of results.entries()) {
            expect(r.mismatches, `worker ${i}: runs differing from its first`).toBe(0);
            expectBitwise(r.output, output, `worker ${i} output`);
            expectBitwise(r.gradGrid, gradGrid, `worker ${i} gradGrid`);
            expectBitwise(r.gradInput, gradInput, `worker ${i} gradInput`);
            expectBitwise(r.agrid, agrid, `worker ${i} affine grid`);
            expect(r.threadsSeen).toBeGreaterThanOrEqual(1);
          }
        } finally {
          clearInterval(flipper);
        }
        expect(flips, 'the thread count changed during the run').toBeGreaterThan(0);
      });

  test('the main thread keeps computing correctly while workers load and unload the addon', async () => {
    const random = rng(7);
    const input = randomArray(random, N * H * W * C);
    const grid = randomArray(random, N * HO * WO * 2);
    const want = new Float32Array(N * HO * WO * C);
    native.reference.gridSampleForward(input, grid, want, SHAPE, 0, 0, false);
    const workers = Array.from({length: 3}, () => runWorker({
      input: new Float32Array(4), grid: new Float32Array(2), gradOutput: new Float32Array(4),
      shape: [1, 1, 1, 4, 1, 1], mode: 0, padding: 0, align: false, iterations: 2}));
    for (let i = 0; i < 20; i++) {
      const out = new Float32Array(want.length);
      native.setNumThreads(1 + (i % 4));
      native.gridSampleForward(input, grid, out, SHAPE, 0, 0, false);
      expectBitwise(out, want, `main thread, iteration ${i}`);
    }
    for (const r of await Promise.all(workers)) expect(r.mismatches).toBe(0);
  });
});
