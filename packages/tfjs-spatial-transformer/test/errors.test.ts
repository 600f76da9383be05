// Bad input: a clear Error naming the argument, thrown before any native call.
// Hostile but valid input (NaN/Inf grids, zero-size tensors): no crash, defined output.
import * as tf from '@tensorflow/tfjs-node';
import * as os from 'os';
import {afterEach, beforeAll, describe, expect, test, vi} from 'vitest';

import {affineGrid, getNumThreads, gridSample, setNumThreads} from '../lib';
import {native} from '../lib/native';
import {BACKEND_NAMES, literally, MODES, PADDINGS, quotedList, SAMPLER_CASES, useBackend} from './helpers';

const input = () => tf.zeros([2, 4, 5, 3]) as tf.Tensor4D;
const grid = () => tf.zeros([2, 3, 3, 2]) as tf.Tensor4D;
const theta = () => tf.zeros([2, 2, 3]) as tf.Tensor3D;

describe.each(BACKEND_NAMES)('argument errors on %s', (backend) => {
  beforeAll(() => useBackend(backend));
  afterEach(() => vi.restoreAllMocks());

  const gridSampleCases: [string, () => unknown, RegExp][] = [
    ['input of rank 3', () => gridSample(tf.zeros([4, 5, 3]) as never, grid()),
      /gridSample: input must be a 4-D float32 tensor \[N,H,W,C\], but got a float32 tensor of shape \[4,5,3\]/],
    ['int32 input', () => gridSample(tf.zeros([2, 4, 5, 3], 'int32') as tf.Tensor4D, grid()),
      /gridSample: input must be a 4-D float32 tensor.*int32 tensor/],
    ['a string as input', () => gridSample('image' as never, grid()), /gridSample: input must be .* got 'image'/],
    ['grid of rank 5', () => gridSample(input(), tf.zeros([2, 3, 3, 2, 1]) as never),
      /gridSample: grid must be a 4-D float32 tensor \[N,Ho,Wo,2\], but got a float32 tensor of shape \[2,3,3,2,1\]/],
    ['grid with last dim 3', () => gridSample(input(), tf.zeros([2, 3, 3, 3]) as tf.Tensor4D),
      /gridSample: grid must be of shape \[N,Ho,Wo,2\].*shape \[2,3,3,3\]/],
    ['batch mismatch', () => gridSample(input(), tf.zeros([3, 3, 3, 2]) as tf.Tensor4D),
      /gridSample: grid must have the input's batch size N or 1, but input has 2.*grid has 3/],
    ['empty image', () => gridSample(tf.zeros([2, 0, 5, 3]) as tf.Tensor4D, grid()),
      /gridSample: input must be non-empty in H and W/],
    ['unknown mode', () => gridSample(input(), grid(), {mode: 'cubic' as never}),
      literally(`gridSample: options.mode must be one of ${quotedList(MODES)}, but got 'cubic'`)],
    ['unknown padding', () => gridSample(input(), grid(), {paddingMode: 'mirror' as never}),
      literally(`gridSample: options.paddingMode must be one of ${quotedList(PADDINGS)}, but got 'mirror'`)],
    ['alignCorners a string', () => gridSample(input(), grid(), {alignCorners: 'true' as never}),
      /gridSample: options.alignCorners must be a boolean, but got 'true'/],
    ['alignCorners a number', () => gridSample(input(), grid(), {alignCorners: 1 as never}),
      /gridSample: options.alignCorners must be a boolean, but got number 1/],
    ['a misspelt option', () => gridSample(input(), grid(), {align_corners: true} as never),
      /gridSample: unknown option 'align_corners' \(known options: mode, paddingMode, alignCorners\)/],
    ['options not an object', () => gridSample(input(), grid(), 'nearest' as never),
      /gridSample: options must be an object, but got 'nearest'/],
    ['a disposed input', () => { const x = input(); x.dispose(); return gridSample(x, grid()); },
      /gridSample: input must be .* got a disposed tensor/],
  ];
  test.each(gridSampleCases)('gridSample rejects %s', (_, call, message) => {
    const forward = vi.spyOn(native, 'gridSampleForward');
    expect(call).toThrow(message);
    expect(forward).not.toHaveBeenCalled();
  });

  const affineGridCases: [string, () => unknown, RegExp][] = [
    ['theta of shape [2,3,2]', () => affineGrid(tf.zeros([2, 3, 2]) as tf.Tensor3D, [2, 4, 4, 1]),
      /affineGrid: theta must be of shape \[N,2,3\], but got a float32 tensor of shape \[2,3,2\]/],
    ['theta of rank 2', () => affineGrid(tf.zeros([2, 6]) as never, [2, 4, 4, 1]),
      /affineGrid: theta must be a 3-D float32 tensor \[N,2,3\]/],
    ['int32 theta', () => affineGrid(tf.zeros([2, 2, 3], 'int32') as tf.Tensor3D, [2, 4, 4, 1]),
      /affineGrid: theta must be a 3-D float32 tensor.*int32/],
    ['size of length 3', () => affineGrid(theta(), [2, 4, 4]),
      /affineGrid: size must be an array of 4 non-negative integers \[N, Ho, Wo, C\], but got \[number 2, number 4, number 4\]/],
    ['a fractional size', () => affineGrid(theta(), [2, 4.5, 4, 1]), /affineGrid: size must be an array of 4 non-negative integers/],
    ['a negative size', () => affineGrid(theta(), [2, -4, 4, 1]), /affineGrid: size must be an array of 4 non-negative integers/],
    ['batch mismatch', () => affineGrid(theta(), [3, 4, 4, 1]),
      /affineGrid: theta and size must have the same batch size N, but theta has 2.*size is \[3,4,4,1\]/],
    ['alignCorners a string', () => affineGrid(theta(), [2, 4, 4, 1], {alignCorners: 'no' as never}),
      /affineGrid: options.alignCorners must be a boolean, but got 'no'/],
    ['a misspelt option', () => affineGrid(theta(), [2, 4, 4, 1], {mode: 'x'} as never),
      /affineGrid: unknown option 'mode' \(known options: alignCorners\)/],
  ];
  test.each(affineGridCases)('affineGrid rejects %s', (_, call, message) => {
    const forward = vi.spyOn(native, 'affineGridForward');
    expect(call).toThrow(message);
    expect(forward).not.toHaveBeenCalled();
  });

  test('setNumThreads rejects anything but an integer >= 1', () => {
    const set = vi.spyOn(native, 'setNumThreads');
    for (const bad of [0, -1, 1.5, NaN, '2']) {
      expect(() => setNumThreads(bad as number)).toThrow(/setNumThreads: n must be an integer >= 1/);
    }
    expect(set).not.toHaveBeenCalled();
  });
});

describe.each(BACKEND_NAMES)('hostile but valid input on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  test.each(SAMPLER_CASES)('NaN, ±Inf and huge grids sample nothing, gradients stay finite ($mode, $paddingMode, $alignCorners)',
      (options) => {
        const x = tf.randomUniform([1, 3, 4, 2]) as tf.Tensor4D;
        const special = [NaN, 0.2, 0.2, NaN, Infinity, 0, -Infinity, 0.5, 1e30, -1e30, NaN, NaN];
        const g = tf.tensor4d(special, [1, 2, 3, 2]);
        const [out, [dx, dg]] = [gridSample(x, g, options),
          tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(gridSample(a, b, options)))([x, g])];
        const values = out.arraySync()[0].flat();
        // Pixels 0, 1, 2, 3 and 5 have a NaN or ±Inf coordinate: nothing is read.
        for (const p of [0, 1, 2, 3, 5]) expect(values[p], `pixel ${p}`).toEqual([0, 0]);
        for (const v of [...values.flat(), ...dx.dataSync(), ...dg.dataSync()]) {
          expect(Number.isFinite(v)).toBe(true);
        }
        for (const p of [0, 1, 2, 3, 5]) {
          expect(Array.from(dg.dataSync().slice(2 * p, 2 * p + 2)), `grid gradient ${p}`).toEqual([0, 0]);
        }
        // ±1e30 stays outside the image with zeros padding.
        if (options.paddingMode === 'zeros') expect(values[4]).toEqual([0, 0]);
      });

  test.each([
    ['N = 0', [0, 3, 4, 2], [0, 2, 2, 2]],
    ['C = 0', [1, 3, 4, 0], [1, 2, 2, 2]],
    ['Ho = 0', [1, 3, 4, 2], [1, 0, 2, 2]],
  ])('zero-size tensors (%s) give empty results and gradients', (_, inputShape, gridShape) => {
    const x = tf.zeros(inputShape);
    const g = tf.zeros(gridShape);
    const out = gridSample(x, g);
    expect(out.shape).toEqual([gridShape[0], gridShape[1], gridShape[2], inputShape[3]]);
    const [dx, dg] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(gridSample(a, b)))([x, g]);
    expect(dx.shape).toEqual(inputShape);
    expect(dg.shape).toEqual(gridShape);
    expect(Array.from(dx.dataSync()).every((v) => v === 0)).toBe(true);
    expect(Array.from(dg.dataSync()).every((v) => v === 0)).toBe(true);
    const grid = affineGrid(tf.zeros([0, 2, 3]) as tf.Tensor3D, [0, 4, 4, 1]);
    expect(grid.shape).toEqual([0, 4, 4, 2]);
  });

  test('getNumThreads starts at the machine cores and follows setNumThreads', () => {
    const before = getNumThreads();
    expect(before).toBe(os.availableParallelism());
    setNumThreads(1);
    expect(getNumThreads()).toBe(1);
    setNumThreads(before);
    expect(getNumThreads()).toBe(before);
  });
});
