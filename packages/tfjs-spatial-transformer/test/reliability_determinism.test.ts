// Determinism: the same inputs give bitwise-identical outputs and gradients
// across repeated runs and thread counts 1-4, through the public ops and
// tfjs's autodiff, on both backends. Shapes are past the kernels' parallel
// threshold, with N < 8 (row-blocked grad_input) and N >= 8 (batch-parallel).
import * as tf from '@tensorflow/tfjs-node';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';

import {affineGrid, affineSample3d, flowWarp, getBestIsa, getIsa, getNumThreads, gridSample, gridSample3d, setIsa,
  setNumThreads} from '../lib';
import {ISAS} from '../lib/vocabulary';
import {BACKEND_NAMES, expectBitwise, randomArray, rng, SAMPLER_CASES, useBackend} from './helpers';

const SHAPES = [
  {name: 'N=2 (row blocks)', input: [2, 20, 24, 8], out: [2, 33, 31, 8]},
  {name: 'N=9 (batch-parallel)', input: [9, 10, 12, 3], out: [9, 24, 25, 3]},
] as const;

describe.each(BACKEND_NAMES)('determinism on %s', (backend) => {
  const initial = getNumThreads();
  beforeAll(() => useBackend(backend));
  afterAll(() => setNumThreads(initial));

  describe.each(SHAPES)('$name', (shape) => {
    const random = rng(99);
    const [n, h, w, c] = shape.input;
    const [, ho, wo] = shape.out;
    const image = randomArray(random, n * h * w * c);
    const thetaValues = new Float32Array(n * 6);
    for (let i = 0; i < n; i++) {
      // Around the identity, with some rotation and zoom: some points leave the image.
      thetaValues.set([1.1 + 0.2 * random(), 0.3 * random() - 0.15, 0.2 * random() - 0.1,
        0.3 * random() - 0.15, 1.1 + 0.2 * random(), 0.2 * random() - 0.1], 6 * i);
    }
    const weights = randomArray(random, n * ho * wo * c);

    /** Output and the gradients for input, grid and theta, as Float32Arrays. */
    function run(options: (typeof SAMPLER_CASES)[number]): Float32Array[] {
      return tf.tidy(() => {
        const x = tf.tensor4d(image, [n, h, w, c]);
        const theta = tf.tensor3d(thetaValues, [n, 2, 3]);
        const grid = affineGrid(theta, [n, ho, wo, c], {alignCorners: options.alignCorners});
        const dy = tf.tensor4d(weights, [n, ho, wo, c]);
        const loss = (a: tf.Tensor, g: tf.Tensor) =>
          tf.sum(tf.mul(gridSample(a as tf.Tensor4D, g as tf.Tensor4D, options), dy));
        const [dx, dg] = tf.grads(loss)([x, grid]);
        const dTheta = tf.grad((t: tf.Tensor) =>
          loss(x, affineGrid(t as tf.Tensor3D, [n, ho, wo, c], {alignCorners: options.alignCorners})))(theta);
        return [gridSample(x, grid, options), dx, dg, dTheta].map((t) => t.dataSync() as Float32Array);
      });
    }

    test.each(SAMPLER_CASES)('threads 1, 2, 3, 4 and repeated runs agree bit for bit ($mode, $paddingMode, $alignCorners)',
        (options) => {
          setNumThreads(1);
          const first = run(options);
          for (const threads of [1, 2, 3, 4]) {
            setNumThreads(threads);
            const again = run(options);
            ['output', 'dInput', 'dGrid', 'dTheta'].forEach((name, i) =>
              expectBitwise(again[i], first[i], `${name} with ${threads} thread(s)`));
          }
          expect(first[1].some((v) => v !== 0)).toBe(true);  // the gradients are not trivially 0
        });
  });
});

// The volume kernels and the displacement fields: every output and gradient
// the same bits for threads 1-4, repeated runs and every ISA the CPU has
// (they have no ISA-specific code; the 2-D flowWarp runs the row kernels).
describe.each(BACKEND_NAMES)('determinism of the volume and flow kernels on %s', (backend) => {
  const initialThreads = getNumThreads(), initialIsa = getIsa();
  beforeAll(() => useBackend(backend));
  afterAll(() => {
    setNumThreads(initialThreads);
    setIsa(initialIsa);
  });

  const random = rng(123);
  const [n, d, h, w, c] = [2, 20, 18, 16, 3];
  const volume = randomArray(random, n * d * h * w * c);
  const grid = randomArray(random, n * d * h * w * 3, -1.2, 1.2);
  const theta = randomArray(random, n * 12, -1.1, 1.1);
  const flow3 = randomArray(random, n * d * h * w * 3, -2, 2);
  const image = randomArray(random, n * 40 * 44 * c);
  const flow2 = randomArray(random, n * 40 * 44 * 2, -2, 2);
  const dy3 = randomArray(random, n * d * h * w * c), dy2 = randomArray(random, n * 40 * 44 * c);

  function run(): Float32Array[] {
    return tf.tidy(() => {
      const x = tf.tensor5d(volume, [n, d, h, w, c]), g = tf.tensor5d(grid, [n, d, h, w, 3]);
      const t = tf.tensor3d(theta, [n, 3, 4]), f3 = tf.tensor5d(flow3, [n, d, h, w, 3]);
      const im = tf.tensor4d(image, [n, 40, 44, c]), f2 = tf.tensor4d(flow2, [n, 40, 44, 2]);
      const size = [n, d, h, w, c];
      const results = [
        gridSample3d(x, g), ...tf.grads((a: tf.Tensor, b: tf.Tensor) => gridSample3d(a, b))([x, g], tf.tensor(dy3, size)),
        ...tf.grads((a: tf.Tensor, b: tf.Tensor) => affineSample3d(a, b, size))([x, t], tf.tensor(dy3, size)),
        ...tf.grads((a: tf.Tensor, b: tf.Tensor) => flowWarp(a, b))([x, f3], tf.tensor(dy3, size)),
        ...tf.grads((a: tf.Tensor, b: tf.Tensor) => flowWarp(a, b, {mode: 'bicubic'}))([im, f2],
            tf.tensor(dy2, [n, 40, 44, c])),
      ];
      return results.map((r) => r.dataSync() as Float32Array);
    });
  }

  test('threads 1-4, repeated runs and every ISA agree bit for bit', () => {
    setNumThreads(1);
    const first = run();
    const isas = ISAS.slice(0, ISAS.indexOf(getBestIsa()) + 1);
    for (const isa of isas) {
      setIsa(isa);
      for (const threads of [1, 2, 3, 4]) {
        setNumThreads(threads);
        run().forEach((r, i) => expectBitwise(r, first[i], `result ${i}, ${isa}, ${threads} thread(s)`));
      }
    }
    expect(first[2].some((v) => v !== 0)).toBe(true);
  });
});
