// Against PyTorch: fixtures written by scripts/make_fixtures.py from torch's CPU
// F.grid_sample / F.affine_grid (torch is a fixture tool, not a test dependency).
import * as tf from '@tensorflow/tfjs-node';
import {beforeAll, describe, expect, test} from 'vitest';

import {affineGrid, gridSample} from '../lib';
import type {InterpolationMode} from '../lib';
import {AffineGridFixture, BACKEND_NAMES, expectClose, GridSampleFixture, loadFixtures, SAMPLER_CASES,
  useBackend} from './helpers';

const gridSampleCases = loadFixtures<GridSampleFixture<InterpolationMode>>('grid_sample.json');
const affineGridCases = loadFixtures<AffineGridFixture>('affine_grid.json');

const label = (c: {inputShape?: number[], size?: number[]}, i: number) =>
    `case ${i} ${JSON.stringify(c.inputShape ?? c.size)}`;

describe.each(BACKEND_NAMES)('equal to PyTorch on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  test('the fixtures cover every mode, padding and alignCorners of lib/vocabulary.ts', () => {
    const key = (c: {mode: string, paddingMode: string, alignCorners: boolean}) =>
      `${c.mode}/${c.paddingMode}/${c.alignCorners}`;
    expect([...new Set(gridSampleCases.map(key))].sort()).toEqual(SAMPLER_CASES.map(key).sort());
    expect(new Set(affineGridCases.map((c) => c.alignCorners)).size).toBe(2);
  });

  test.each(gridSampleCases.map((c, i) => [`${c.mode}, ${c.paddingMode}, alignCorners ${c.alignCorners}, ${label(c, i)}`, c] as const))(
      'gridSample: %s', (_, c) => {
        const options = {mode: c.mode, paddingMode: c.paddingMode, alignCorners: c.alignCorners};
        const input = tf.tensor4d(c.input, c.inputShape as [number, number, number, number]);
        const grid = tf.tensor4d(c.grid, c.gridShape as [number, number, number, number]);
        const gradOutput = tf.tensor(c.gradOutput, [...c.gridShape.slice(0, 3), c.inputShape[3]]);
        expectClose(gridSample(input, grid, options).dataSync(), c.output, {rtol: 1e-5, atol: 1e-6},
            'output');
        const [dInput, dGrid] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
            tf.sum(tf.mul(gridSample(a, b, options), gradOutput)))([input, grid]);
        expectClose(dInput.dataSync(), c.gradInput, {rtol: 1e-5, atol: 1e-5}, 'input gradient');
        expectClose(dGrid.dataSync(), c.gradGrid, {rtol: 1e-4, atol: 1e-4}, 'grid gradient');
      });

  test.each(affineGridCases.map((c, i) => [`alignCorners ${c.alignCorners}, ${label(c, i)}`, c] as const))(
      'affineGrid: %s', (_, c) => {
        const [n, ho, wo] = c.size;
        const theta = tf.tensor3d(c.theta, [n, 2, 3]);
        const options = {alignCorners: c.alignCorners};
        expectClose(affineGrid(theta, c.size, options).dataSync(), c.grid, {rtol: 1e-6, atol: 1e-6},
            'grid');
        const dTheta = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(affineGrid(t, c.size, options),
            tf.tensor(c.gradGrid, [n, ho, wo, 2]))))(theta);
        expectClose(dTheta.dataSync(), c.gradTheta, {rtol: 1e-5, atol: 1e-5}, 'theta gradient');
      });
});
