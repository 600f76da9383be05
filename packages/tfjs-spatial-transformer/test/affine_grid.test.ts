// affineGrid against the scalar reference and central finite differences, on each backend.
import * as tf from '@tensorflow/tfjs-node';
import {beforeAll, describe, expect, test} from 'vitest';

import {affineGrid} from '../lib';
import {native} from '../lib/native';
import {ALIGNS, BACKEND_NAMES, expectBitwise, expectClose, randomArray, rng, useBackend,
  weightedSum} from './helpers';

// [N, Ho, Wo, C]
const SIZES = [[1, 1, 1, 1], [2, 5, 7, 3], [1, 1, 4, 1], [3, 6, 2, 2], [1, 33, 17, 1]];

describe.each(BACKEND_NAMES)('affineGrid on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  describe.each(ALIGNS)('alignCorners %s', (alignCorners) => {
    test.each(SIZES)('matches the scalar reference for size [%i, %i, %i, %i]', (n, ho, wo, c) => {
      const random = rng(n * 100 + ho * 10 + wo);
      const theta = randomArray(random, n * 6);
      const weights = randomArray(random, n * ho * wo * 2);
      const grid = new Float32Array(weights.length).fill(NaN);
      native.reference.affineGridForward(theta, grid, n, ho, wo, alignCorners);
      const gradTheta = new Float32Array(n * 6).fill(NaN);
      native.reference.affineGridBackward(weights, gradTheta, n, ho, wo, alignCorners);

      const t = tf.tensor3d(theta, [n, 2, 3]);
      expectBitwise(affineGrid(t, [n, ho, wo, c], {alignCorners}).dataSync() as Float32Array, grid,
          'grid');
      const dTheta = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(
          affineGrid(a, [n, ho, wo, c], {alignCorners}), tf.tensor(weights, [n, ho, wo, 2]))))(t);
      expectClose(dTheta.dataSync(), gradTheta, {rtol: 1e-5, atol: 1e-5}, 'theta gradient');
    });

    test('the theta gradient matches central finite differences', () => {
      const [n, ho, wo] = [2, 5, 4];
      const random = rng(11);
      const theta = randomArray(random, n * 6);
      const weights = randomArray(random, n * ho * wo * 2);
      const loss = () => tf.tidy(() => weightedSum(
          affineGrid(tf.tensor3d(theta, [n, 2, 3]), [n, ho, wo, 1], {alignCorners}), weights));
      const analytic = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(
          affineGrid(a, [n, ho, wo, 1], {alignCorners}), tf.tensor(weights, [n, ho, wo, 2]))))(
          tf.tensor3d(theta, [n, 2, 3])).dataSync();
      for (let i = 0; i < theta.length; i++) {
        const saved = theta[i];
        theta[i] = saved + 0.125;
        const plus = loss();
        theta[i] = saved - 0.125;
        const minus = loss();
        theta[i] = saved;
        const numeric = (plus - minus) / 0.25;  // the grid is linear in theta
        expect(Math.abs(analytic[i] - numeric), `theta ${i}`).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(numeric)));
      }
    });
  });

  test('the identity grid spans [-1, 1] at pixel centres or corners', () => {
    const identity = tf.tensor3d([[[1, 0, 0], [0, 1, 0]]]);
    const centres = affineGrid(identity, [1, 1, 4, 1]).dataSync();
    expectClose(Array.from(centres).filter((_, i) => i % 2 === 0), [-0.75, -0.25, 0.25, 0.75], {}, 'x');
    const corners = affineGrid(identity, [1, 1, 3, 1], {alignCorners: true}).dataSync();
    expectClose(Array.from(corners).filter((_, i) => i % 2 === 0), [-1, 0, 1], {}, 'x');
  });
});
