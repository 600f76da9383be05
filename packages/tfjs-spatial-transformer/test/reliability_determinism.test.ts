// Determinism: the same inputs give bitwise-identical outputs and gradients
// across repeated runs and thread counts 1-4, through the public ops and
// tfjs's autodiff, on both backends. Shapes are past the kernels' parallel
// threshold, with N < 8 (row-blocked grad_input) and N >= 8 (batch-parallel).
import * as tf from '@tensorflow/tfjs-node';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';

import {affineGrid, getNumThreads, gridSample, setNumThreads} from '../lib';
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
