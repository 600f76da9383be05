// tfjs-spatial-transformer/composite, the stock-tfjs baseline: the same values
// and grid gradient as the native gridSample and affineGrid, on both backends.
import * as tf from '@tensorflow/tfjs-node';
import {beforeAll, describe, expect, test} from 'vitest';

import {compositeAffineGrid, compositeGridSample} from '../lib/composite';
import {affineGrid, gridSample} from '../lib';
import {BACKEND_NAMES, expectClose, rng, useBackend} from './helpers';

describe.each(BACKEND_NAMES)('composite sampler on %s', (backend) => {
  beforeAll(() => useBackend(backend));
  const random = rng(11);
  const image = tf.tensor4d(Float32Array.from({length: 2 * 9 * 7 * 3}, () => random()), [2, 9, 7, 3]);
  // Source points over the image and 2 px beyond, kept 0.1 px from integer coordinates (the kinks).
  const grid = tf.tensor4d(Float32Array.from({length: 2 * 5 * 6 * 2}, (_, i) => {
    const size = i % 2 === 0 ? 7 : 9;
    const pixel = Math.floor(random() * (size + 4)) - 2 + 0.1 + 0.8 * random();
    return (2 * pixel + 1) / size - 1;
  }), [2, 5, 6, 2]);

  test.each(['zeros', 'border'] as const)('values and grid gradient equal gridSample (%s)', (paddingMode) => {
    const weights = tf.randomNormal([2, 5, 6, 3], 0, 1, 'float32', 3);
    const loss = (sample: (g: tf.Tensor4D) => tf.Tensor) => (g: tf.Tensor) =>
      tf.sum(tf.mul(sample(g as tf.Tensor4D), weights));
    const native = (g: tf.Tensor4D) => gridSample(image, g, {paddingMode});
    const composite = (g: tf.Tensor4D) => compositeGridSample(image, g, paddingMode);
    expectClose(composite(grid).dataSync(), native(grid).dataSync(), {atol: 1e-6}, 'values');
    expectClose(tf.grad(loss(composite))(grid).dataSync(), tf.grad(loss(native))(grid).dataSync(),
        {rtol: 1e-4, atol: 1e-5}, 'dGrid');
  });

  test('compositeAffineGrid equals affineGrid', () => {
    const theta = tf.tensor3d([[[0.9, 0.2, -0.1], [-0.3, 1.1, 0.05]], [[1, 0, 0], [0, 1, 0]]]);
    expectClose(compositeAffineGrid(theta, 5, 6).dataSync(), affineGrid(theta, [2, 5, 6, 1]).dataSync(),
        {atol: 1e-6}, 'grid');
  });

  test('rejects reflection padding by name', () => {
    expect(() => compositeGridSample(image, grid, 'reflection' as never)).toThrow(
        "compositeGridSample: paddingMode must be 'zeros' or 'border', but got 'reflection'");
  });
});

