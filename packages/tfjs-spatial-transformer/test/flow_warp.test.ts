// flowWarp (dense displacement fields, 2-D and volumes) through tfjs on both
// backends: equal bit for bit to gridSample / gridSample3d (alignCorners) of
// VoxelMorph's grid, built here in float32; its flow gradient is that grid
// gradient times 2 / (size - 1); against the native references; argument
// checks.
import * as tf from '@tensorflow/tfjs-node';
import {afterEach, beforeAll, describe, expect, test, vi} from 'vitest';

import {flowWarp, gridSample, gridSample3d} from '../lib';
import type {InterpolationMode} from '../lib';
import {native} from '../lib/native';
import {BACKEND_NAMES, expectBitwise, expectClose, PADDINGS, randomArray, rng, useBackend} from './helpers';

const f = Math.fround;

/** VoxelMorph's grid of a flow (channels last, (dx, dy[, dz])) in float32, as native/flow_coords.h. */
function voxelmorphGrid(flow: Float32Array, spatial: number[], inputSpatial: number[]): Float32Array {
  const axes = spatial.length;  // [Ho, Wo] or [Do, Ho, Wo]
  const grid = new Float32Array(flow.length);
  const points = flow.length / axes;
  for (let p = 0; p < points; p++) {
    let rest = p;
    const index: number[] = [];
    for (let a = axes - 1; a >= 0; a--) {  // x (last axis) first
      index.push(rest % spatial[a]);
      rest = Math.floor(rest / spatial[a]);
    }
    for (let c = 0; c < axes; c++) {  // component c moves along axis axes-1-c
      const size = inputSpatial[axes - 1 - c];
      grid[p * axes + c] = size <= 1 ? 0 : f(2 * f(f(f(index[c] + flow[p * axes + c]) / (size - 1)) - 0.5));
    }
  }
  return grid;
}

function scaleGradient(gradGrid: Float32Array, inputSpatial: number[]): Float32Array {
  const axes = inputSpatial.length;
  return gradGrid.map((g, e) => {
    const size = inputSpatial[axes - 1 - (e % axes)];
    return f(g * (size <= 1 ? 0 : f(2 / (size - 1))));
  });
}

// [input shape, flow shape]: images (C = 1, 3, a 1-pixel-wide one, output larger), volumes.
const CASES: {input: number[], flow: number[]}[] = [
  {input: [2, 5, 7, 1], flow: [2, 5, 7, 2]},
  {input: [1, 6, 4, 3], flow: [1, 8, 5, 2]},
  {input: [1, 4, 1, 2], flow: [1, 4, 1, 2]},
  {input: [2, 3, 4, 5, 2], flow: [2, 3, 4, 5, 3]},
  {input: [1, 4, 3, 5, 4], flow: [1, 2, 3, 6, 3]},
];

describe.each(BACKEND_NAMES)('flowWarp on %s', (backend) => {
  beforeAll(() => useBackend(backend));
  afterEach(() => vi.restoreAllMocks());

  describe.each(CASES.map((c, i) => [i, c] as const))('case %i', (i, {input: inShape, flow: flowShape}) => {
    const volume = inShape.length === 5;
    const modes: readonly InterpolationMode[] = volume ? ['bilinear', 'nearest'] : ['bilinear', 'nearest', 'bicubic'];
    test.each(modes.flatMap((mode) => PADDINGS.map((paddingMode) => ({mode, paddingMode}))))(
        '$mode, $paddingMode: gridSample of VoxelMorph\'s grid, and its gradients', ({mode, paddingMode}) => {
          const random = rng(300 + i);
          const inputSpatial = inShape.slice(1, -1), spatial = flowShape.slice(1, -1);
          const c = inShape[inShape.length - 1];
          const x = tf.tensor(randomArray(random, inShape.reduce((a, b) => a * b)), [...inShape]);
          const flowData = randomArray(random, flowShape.reduce((a, b) => a * b), -2.5, 2.5);
          const flow = tf.tensor(flowData, [...flowShape]);
          const grid = tf.tensor(voxelmorphGrid(flowData, spatial, inputSpatial), [...flowShape]);
          const dy = tf.tensor(randomArray(random, flowShape[0] * spatial.reduce((a, b) => a * b) * c),
              [...flowShape.slice(0, -1), c]);
          const sample = (a: tf.Tensor, g: tf.Tensor) => volume ?
            gridSample3d(a, g, {mode: mode as 'bilinear'|'nearest', paddingMode, alignCorners: true}) :
            gridSample(a, g, {mode, paddingMode, alignCorners: true});
          const warp = (a: tf.Tensor, fl: tf.Tensor) => flowWarp(a, fl, {mode, paddingMode});
          expectBitwise(warp(x, flow).dataSync() as Float32Array, sample(x, grid).dataSync() as Float32Array, 'output');
          const [dxWarp, dFlow] = tf.grads(warp)([x, flow], dy);
          const [dxSample, dGrid] = tf.grads(sample)([x, grid], dy);
          expectBitwise(dFlow.dataSync() as Float32Array, scaleGradient(dGrid.dataSync() as Float32Array, inputSpatial),
              'flow gradient');
          expectClose(dxWarp.dataSync(), dxSample.dataSync(), {rtol: 1e-5, atol: 1e-6}, 'input gradient');
          // The fused kernel against the native (unfused) reference.
          const args = [x.dataSync() as Float32Array, flowData] as const;
          const shape = [...inShape, ...spatial];
          const want = new Float32Array(dy.size);
          const m = native.Interpolation[mode], p = native.Padding[paddingMode];
          if (volume) native.reference.flowWarp3dForward(...args, want, shape as never, m, p);
          else native.reference.flowWarpForward(...args, want, shape as never, m, p);
          expectBitwise(warp(x, flow).dataSync() as Float32Array, want, 'output vs the reference');
        });
  });

  test('a zero flow reproduces the image (nearest) and a whole-pixel flow shifts it', () => {
    const x = tf.tensor4d(Float32Array.from({length: 30}, (_, k) => k), [1, 5, 6, 1]);
    expectBitwise(flowWarp(x, tf.zeros([1, 5, 6, 2]), {mode: 'nearest'}).dataSync() as Float32Array,
        x.dataSync() as Float32Array, 'zero flow');
    const shifted = flowWarp(x, tf.fill([1, 5, 6, 2], 1), {mode: 'nearest', paddingMode: 'border'}).arraySync();
    expect(shifted[0][0][0][0]).toBe(7);  // reads (x 1, y 1)
    expect(shifted[0][4][5][0]).toBe(29);  // clamped at the corner
  });

  test('bad arguments: errors naming the argument, before any native call', () => {
    const forward = vi.spyOn(native, 'flowWarpForward');
    const x = tf.zeros([1, 4, 4, 1]);
    expect(() => flowWarp(x, tf.zeros([1, 4, 4, 3])))
        .toThrow('flowWarp: flow must be of shape [N,Ho,Wo,2] (dx, dy last), but got a float32 tensor of shape [1,4,4,3]');
    expect(() => flowWarp(x, tf.zeros([1, 4, 4, 2, 3])))
        .toThrow('flowWarp: flow must be a 4-D float32 tensor [N,Ho,Wo,2]');
    expect(() => flowWarp(x, tf.zeros([2, 4, 4, 2]))).toThrow("flowWarp: flow must have the input's batch size N");
    expect(() => flowWarp(tf.zeros([1, 2, 2, 2, 1]) as tf.Tensor5D, tf.zeros([1, 2, 2, 2, 3]), {mode: 'bicubic'}))
        .toThrow("flowWarp: options.mode must be one of 'bilinear', 'nearest', but got 'bicubic'");
    expect(() => flowWarp(x, tf.zeros([1, 4, 4, 2]), {alignCorners: true} as never))
        .toThrow("flowWarp: unknown option 'alignCorners' (known options: mode, paddingMode)");
    expect(() => flowWarp(tf.zeros([4, 4]) as never, tf.zeros([1, 4, 4, 2])))
        .toThrow('flowWarp: input must be a float32 tensor [N,H,W,C] or [N,D,H,W,C]');
    expect(forward).not.toHaveBeenCalled();
  });
});
