// The volume sampler and the 3-D affine grid through tfjs, on both backends:
// against PyTorch's 5-D F.grid_sample / F.affine_grid (fixtures from
// scripts/make_fixtures.py), against the native scalar reference, one grid
// for the whole batch, and the argument checks.
import * as tf from '@tensorflow/tfjs-node';
import {afterEach, beforeAll, describe, expect, test, vi} from 'vitest';

import {affineGrid3d, affineSample3d, gridSample3d, GridSample3dGrad, VOLUME_INTERPOLATION_MODES} from '../lib';
import type {VolumeInterpolationMode} from '../lib';
import {native, VolumeShape} from '../lib/native';
import {AffineGridFixture, ALIGNS, BACKEND_NAMES, expectBitwise, expectClose, GridSampleFixture, loadFixtures,
  PADDINGS, randomArray, rng, spyNativeKernel, useBackend} from './helpers';

const volumeCases = loadFixtures<GridSampleFixture<VolumeInterpolationMode>>('volume_grid_sample.json');
const affineCases = loadFixtures<AffineGridFixture>('affine_grid_3d.json');

/** Every volume mode × padding × alignCorners. */
const VOLUME_CASES = VOLUME_INTERPOLATION_MODES.flatMap((mode) => PADDINGS.flatMap((paddingMode) =>
    ALIGNS.map((alignCorners) => ({mode, paddingMode, alignCorners}))));

// [N, D, H, W, C, Do, Ho, Wo]: a single voxel, C = 1, C = 16 with N = 1, a larger output.
const SHAPES: VolumeShape[] = [
  [1, 1, 1, 1, 2, 2, 2, 2],
  [2, 3, 4, 5, 1, 2, 3, 4],
  [1, 5, 4, 6, 16, 3, 4, 5],
  [2, 6, 6, 6, 3, 8, 8, 8],
];

const shape5 = (s: number[]) => s as [number, number, number, number, number];

describe.each(BACKEND_NAMES)('volumes on %s', (backend) => {
  beforeAll(() => useBackend(backend));
  afterEach(() => vi.restoreAllMocks());

  test('the fixtures cover every volume mode, padding and alignCorners', () => {
    const key = (c: {mode: string, paddingMode: string, alignCorners: boolean}) =>
      `${c.mode}/${c.paddingMode}/${c.alignCorners}`;
    expect([...new Set(volumeCases.map(key))].sort()).toEqual(VOLUME_CASES.map(key).sort());
    expect(new Set(affineCases.map((c) => c.alignCorners)).size).toBe(2);
  });

  test.each(volumeCases.map((c, i) => [`${c.mode}, ${c.paddingMode}, alignCorners ${c.alignCorners}, case ${i} ${JSON.stringify(c.inputShape)}`, c] as const))(
      'gridSample3d equals PyTorch: %s', (_, c) => {
        const options = {mode: c.mode, paddingMode: c.paddingMode, alignCorners: c.alignCorners};
        const input = tf.tensor5d(c.input, shape5(c.inputShape));
        const grid = tf.tensor5d(c.grid, shape5(c.gridShape));
        const gradOutput = tf.tensor(c.gradOutput, [...c.gridShape.slice(0, 4), c.inputShape[4]]);
        expectClose(gridSample3d(input, grid, options).dataSync(), c.output, {rtol: 1e-5, atol: 1e-6}, 'output');
        const [dInput, dGrid] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(gridSample3d(a, b, options), gradOutput)))([input, grid]);
        expectClose(dInput.dataSync(), c.gradInput, {rtol: 1e-5, atol: 1e-5}, 'input gradient');
        expectClose(dGrid.dataSync(), c.gradGrid, {rtol: 1e-4, atol: 1e-4}, 'grid gradient');
      });

  test.each(affineCases.map((c, i) => [`alignCorners ${c.alignCorners}, case ${i} ${JSON.stringify(c.size)}`, c] as const))(
      'affineGrid3d equals PyTorch: %s', (_, c) => {
        const [n, od, ho, wo] = c.size;
        const theta = tf.tensor3d(c.theta, [n, 3, 4]);
        const options = {alignCorners: c.alignCorners};
        expectClose(affineGrid3d(theta, c.size, options).dataSync(), c.grid, {rtol: 1e-6, atol: 1e-6}, 'grid');
        const dTheta = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(affineGrid3d(t, c.size, options),
            tf.tensor(c.gradGrid, [n, od, ho, wo, 3]))))(theta);
        expectClose(dTheta.dataSync(), c.gradTheta, {rtol: 1e-5, atol: 1e-5}, 'theta gradient');
      });

  describe.each(VOLUME_CASES)('$mode, $paddingMode, alignCorners $alignCorners', (options) => {
    const mode = native.Interpolation[options.mode];
    const padding = native.Padding[options.paddingMode];

    test.each(SHAPES.map((s, i) => [s, i]))('forward bit for bit, grid gradient bit for bit up to 4 channels on %j', (shape, seed) => {
      const [n, d, h, w, c, od, ho, wo] = shape as VolumeShape;
      const random = rng(40 + Number(seed));
      const input = randomArray(random, n * d * h * w * c);
      const grid = randomArray(random, n * od * ho * wo * 3, -1.5, 1.5);
      const dy = randomArray(random, n * od * ho * wo * c);
      const want = new Float32Array(dy.length);
      const wantInput = new Float32Array(input.length), wantGrid = new Float32Array(grid.length);
      native.reference.gridSample3dForward(input, grid, want, shape as VolumeShape, mode, padding, options.alignCorners);
      native.reference.gridSample3dBackward(dy, input, grid, wantInput, wantGrid, shape as VolumeShape, mode, padding,
          options.alignCorners);
      const x = tf.tensor5d(input, [n, d, h, w, c]);
      const g = tf.tensor5d(grid, [n, od, ho, wo, 3]);
      const sample = (a: tf.Tensor, b: tf.Tensor) => gridSample3d(a, b, options);
      expectBitwise(sample(x, g).dataSync() as Float32Array, want, 'output');
      const [dx, dg] = tf.grads(sample)([x, g], tf.tensor(dy, [n, od, ho, wo, c]));
      // Above 4 channels the kernel sums each corner's channels in fixed vector lanes first (as in 2-D).
      if (c <= 4) expectBitwise(dg.dataSync() as Float32Array, wantGrid, 'grid gradient');
      else expectClose(dg.dataSync(), wantGrid, {rtol: 1e-5, atol: 5e-7 * c}, 'grid gradient');
      expectClose(dx.dataSync(), wantInput, {rtol: 1e-5, atol: 1e-6}, 'input gradient');
    });

    test('a grid of batch 1 equals the grid tiled over the batch; its gradient is the sum', () => {
      const [n, d, h, w, c, od, ho, wo] = [3, 4, 3, 5, 2, 3, 2, 4];
      const random = rng(77);
      const x = tf.tensor5d(randomArray(random, n * d * h * w * c), [n, d, h, w, c]);
      const g = tf.tensor5d(randomArray(random, od * ho * wo * 3, -1.2, 1.2), [1, od, ho, wo, 3]);
      const dy = tf.tensor5d(randomArray(random, n * od * ho * wo * c), [n, od, ho, wo, c]);
      const tiled = tf.tile(g, [n, 1, 1, 1, 1]);
      const sample = (a: tf.Tensor, b: tf.Tensor) => gridSample3d(a, b, options);
      expectBitwise(sample(x, g).dataSync() as Float32Array, sample(x, tiled).dataSync() as Float32Array, 'output');
      const dShared = tf.grad((b: tf.Tensor) => sample(x, b))(g, dy);
      const dTiled = tf.grad((b: tf.Tensor) => sample(x, b))(tiled, dy);
      expect(dShared.shape).toEqual([1, od, ho, wo, 3]);
      expectClose(dShared.dataSync(), tf.sum(dTiled, 0, true).dataSync(), {rtol: 1e-6, atol: 1e-6}, 'grid gradient');
    });
  });

  describe.each(VOLUME_CASES)('affineSample3d, $mode, $paddingMode, alignCorners $alignCorners', (options) => {
    test.each([false, true])('equals gridSample3d(affineGrid3d(theta)): forward bit for bit, gradients to rounding (theta of batch 1: %s)', (shared) => {
      const [n, d, h, w, c, od, ho, wo] = [2, 5, 4, 6, 3, 4, 5, 3];
      const gn = shared ? 1 : n;
      const random = rng(shared ? 61 : 60);
      const x = tf.tensor5d(randomArray(random, n * d * h * w * c), [n, d, h, w, c]);
      const theta = tf.tensor3d(randomArray(random, gn * 12, -1.1, 1.1), [gn, 3, 4]);
      const dy = tf.tensor5d(randomArray(random, n * od * ho * wo * c), [n, od, ho, wo, c]);
      const size = [n, od, ho, wo, c];
      const fused = (a: tf.Tensor, t: tf.Tensor) => affineSample3d(a, t, size, options);
      const split = (a: tf.Tensor, t: tf.Tensor) =>
        gridSample3d(a, affineGrid3d(t, [gn, od, ho, wo, c], {alignCorners: options.alignCorners}), options);
      expectBitwise(fused(x, theta).dataSync() as Float32Array, split(x, theta).dataSync() as Float32Array, 'output');
      const [dxF, dtF] = tf.grads(fused)([x, theta], dy);
      const [dxS, dtS] = tf.grads(split)([x, theta], dy);
      expectClose(dxF.dataSync(), dxS.dataSync(), {rtol: 1e-5, atol: 1e-6}, 'input gradient');
      expectClose(dtF.dataSync(), dtS.dataSync(), {rtol: 1e-5, atol: 1e-5}, 'theta gradient');
    });
  });

  test('affineSample3d: bad arguments name the argument', () => {
    const x = tf.zeros([1, 2, 3, 4, 2]);
    expect(() => affineSample3d(x, tf.zeros([1, 3, 4]), [1, 2, 2, 2, 3]))
        .toThrow("affineSample3d: size must be [N, Do, Ho, Wo, C] with input's N and C");
    expect(() => affineSample3d(x, tf.zeros([1, 2, 3]), [1, 2, 2, 2, 2]))
        .toThrow('affineSample3d: theta must be of shape [N,3,4]');
    expect(() => affineSample3d(x, tf.zeros([2, 3, 4]), [1, 2, 2, 2, 2]))
        .toThrow("affineSample3d: theta must have the input's batch size N or 1");
    expect(() => affineSample3d(x, tf.zeros([1, 3, 4]), [1, 2, 2, 2, 2], {mode: 'bicubic' as never}))
        .toThrow("affineSample3d: options.mode must be one of 'bilinear', 'nearest', but got 'bicubic'");
  });

  test('only the grid gradient: one native backward pass that skips the input gradient', () => {
    const x = tf.randomUniform([1, 4, 4, 4, 2]);
    const g = tf.randomUniform([1, 3, 3, 3, 3], -1, 1);
    const backward = spyNativeKernel('gridSample3dBackward', GridSample3dGrad);
    tf.grad((b: tf.Tensor) => tf.sum(gridSample3d(x, b)))(g);
    expect(backward.count()).toBe(1);
    expect(backward.gradients(0)).toEqual([false, true]);
  });

  test('identity theta: affineGrid3d then gridSample3d reproduces the volume', () => {
    const x = tf.randomUniform([2, 3, 4, 5, 2]);
    const theta = tf.tile(tf.tensor3d([[[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]]]), [2, 1, 1]);
    for (const alignCorners of ALIGNS) {
      const grid = affineGrid3d(theta, [2, 3, 4, 5, 2], {alignCorners});
      expectClose(gridSample3d(x, grid, {alignCorners, mode: 'nearest'}).dataSync(), x.dataSync(), {atol: 0, rtol: 0});
      expectClose(gridSample3d(x, grid, {alignCorners}).dataSync(), x.dataSync(), {atol: 1e-5});
    }
  });

  test('bad arguments: errors naming the argument, before any native call', () => {
    const forward = vi.spyOn(native, 'gridSample3dForward');
    const x = tf.zeros([1, 2, 3, 4, 1]);
    expect(() => gridSample3d(tf.zeros([1, 3, 4, 1]), tf.zeros([1, 2, 2, 2, 3])))
        .toThrow('gridSample3d: input must be a 5-D float32 tensor [N,D,H,W,C], but got a float32 tensor of shape [1,3,4,1]');
    expect(() => gridSample3d(x, tf.zeros([1, 2, 2, 2, 2])))
        .toThrow('gridSample3d: grid must be of shape [N,Do,Ho,Wo,3] (x, y, z last), but got a float32 tensor of shape [1,2,2,2,2]');
    expect(() => gridSample3d(tf.zeros([1, 0, 3, 4, 1]), tf.zeros([1, 2, 2, 2, 3])))
        .toThrow('gridSample3d: input must be non-empty in D, H and W');
    expect(() => gridSample3d(x, tf.zeros([2, 2, 2, 2, 3])))
        .toThrow("gridSample3d: grid must have the input's batch size N or 1");
    expect(() => gridSample3d(x, tf.zeros([1, 2, 2, 2, 3]), {mode: 'bicubic' as never}))
        .toThrow("gridSample3d: options.mode must be one of 'bilinear', 'nearest', but got 'bicubic'");
    expect(() => affineGrid3d(tf.zeros([1, 2, 3]), [1, 2, 2, 2, 1]))
        .toThrow('affineGrid3d: theta must be of shape [N,3,4], but got a float32 tensor of shape [1,2,3]');
    expect(() => affineGrid3d(tf.zeros([1, 3, 4]), [1, 2, 2, 1]))
        .toThrow('affineGrid3d: size must be an array of 5 non-negative integers [N, Do, Ho, Wo, C], but got [number 1, number 2, number 2, number 1]');
    expect(() => affineGrid3d(tf.zeros([2, 3, 4]), [1, 2, 2, 2, 1]))
        .toThrow('affineGrid3d: theta and size must have the same batch size N');
    expect(forward).not.toHaveBeenCalled();
  });
});

test('the addon rejects bicubic volumes and bad shapes itself, naming the argument', () => {
  const shape: VolumeShape = [1, 2, 2, 2, 1, 1, 1, 1];
  const ok = () => [new Float32Array(8), new Float32Array(3), new Float32Array(1)] as const;
  expect(() => native.gridSample3dForward(...ok(), shape, native.Interpolation.bicubic, 0, false))
      .toThrow('gridSample3dForward: mode must be 0 (bilinear) or 1 (nearest) for volumes but got 2 (bicubic)');
  expect(() => native.gridSample3dForward(new Float32Array(7), ok()[1], ok()[2], shape, 0, 0, false))
      .toThrow('gridSample3dForward: input must have 8 float32 elements (shape [1,2,2,2,1]) but has 7');
  expect(() => native.gridSample3dForward(...ok(), [1, 2, 2, 2, 1, 1, 1, 1, 2], 0, 0, false))
      .toThrow("gridSample3dForward: shape[8] (the grid's batch size) must be N (1) or 1 but got 2");
  expect(() => native.affineGrid3dForward(new Float32Array(6), new Float32Array(3), 1, 1, 1, 1, false))
      .toThrow('affineGrid3dForward: theta must have 12 float32 elements (shape [1,3,4]) but has 6');
});
