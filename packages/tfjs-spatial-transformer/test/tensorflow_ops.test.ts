// The TF-op path of the 'tensorflow' backend (lib/tensorflow_ops.ts,
// native/tf_ops.cc): every kernel gives the 'cpu' backend's bits, forward and
// backward, in every mode × padding × alignCorners; nothing is read back into
// JS and the outputs stay TF-held; the JS path is still there when turned
// off; bad input fails in JS first, and the ops themselves reject bad tensors
// with errors naming the op and the argument.
import * as tf from '@tensorflow/tfjs-node';
import {afterEach, describe, expect, test, vi} from 'vitest';

import {affineGrid, affineGrid3d, affineSample, affineSample3d, flowWarp, gridSample, gridSample3d, tensorflowOps} from '../lib';
import {native} from '../lib/native';
import {tensorflowOpName, useTensorflowOps} from '../lib/tensorflow_ops';
import {expectBitwise, randomArray, rng, SAMPLER_CASES, useBackend} from './helpers';

interface NodeBackend {
  readSync(dataId: unknown): unknown;
  executeSingleOutput(name: string, attrs: unknown[], inputs: tf.Tensor[]): tf.Tensor;
  executeMultipleOutputs(name: string, attrs: unknown[], inputs: tf.Tensor[], n: number): tf.Tensor[];
  tensorMap: {get(dataId: unknown): {values: unknown, id: number}};
  binding: {TF_ATTR_STRING: number, TF_ATTR_BOOL: number};
}
const nodeBackend = () => tf.findBackend('tensorflow') as unknown as NodeBackend;

// [N, H, W, C, Ho, Wo]: C = 1 (the vector kernels' small-C path), 3 and 9, larger and smaller outputs.
const SHAPES = [[2, 5, 6, 1, 4, 7], [1, 4, 4, 3, 6, 5], [3, 6, 5, 9, 3, 4]] as const;

type Options = typeof SAMPLER_CASES[number];

/**
 * Every output and gradient of the three ops for one problem, as arrays, on
 * the current backend; `shared`: the grid and theta have batch 1 (one
 * transform for the whole batch).
 */
function everything(shape: typeof SHAPES[number], options: Options, seed: number, shared = false): Float32Array[] {
  const [n, h, w, c, ho, wo] = shape;
  const gn = shared ? 1 : n;
  const random = rng(seed);
  return tf.tidy(() => {
    const x = tf.tensor4d(randomArray(random, n * h * w * c), [n, h, w, c]);
    const grid = tf.tensor4d(randomArray(random, gn * ho * wo * 2, -1.4, 1.4), [gn, ho, wo, 2]);
    const theta = tf.tensor3d(randomArray(random, gn * 6, -1.2, 1.2), [gn, 2, 3]);
    const dy = tf.tensor4d(randomArray(random, n * ho * wo * c), [n, ho, wo, c]);
    const dGrid = tf.tensor4d(randomArray(random, gn * ho * wo * 2), [gn, ho, wo, 2]);
    const size = [n, ho, wo, c];
    const sample = (a: tf.Tensor, b: tf.Tensor) => gridSample(a, b, options);
    const fused = (a: tf.Tensor, b: tf.Tensor) => affineSample(a, b, size, options);
    const toGrid = (t: tf.Tensor) => affineGrid(t, [gn, ho, wo, c], {alignCorners: options.alignCorners});
    const results = [
      sample(x, grid), ...tf.grads(sample)([x, grid], dy), tf.grad((g: tf.Tensor) => sample(x, g))(grid, dy),
      tf.grad((a: tf.Tensor) => sample(a, grid))(x, dy),
      fused(x, theta), ...tf.grads(fused)([x, theta], dy), tf.grad((t: tf.Tensor) => fused(x, t))(theta, dy),
      toGrid(theta), tf.grad(toGrid)(theta, dGrid),
    ];
    return results.map((t) => t.dataSync() as Float32Array);
  });
}

describe('the TF-op path on tensorflow', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    useTensorflowOps(true);
  });

  test('is active, and says which TensorFlow took the ops', async () => {
    await useBackend('tensorflow');
    const status = tensorflowOps();
    const count = Object.keys(native.attachTensorflowOps().ops).length;  // native/tf_ops.cc's table
    expect(count).toBeGreaterThanOrEqual(18);
    expect(status.reason).toMatch(new RegExp(`^${count} ops registered in TensorFlow \\d+\\.\\d+`));
    expect(status.active).toBe(true);
    expect(tensorflowOpName('StnGridSample')).toBe('StnGridSampleAbi2');
  });

  describe.each(SAMPLER_CASES)('$mode, $paddingMode, alignCorners $alignCorners', (options) => {
    test.each(SHAPES.map((s, i) => [s, i]))('shape %j: every output and gradient equals cpu bit for bit', async (shape, i) => {
      await useBackend('cpu');
      const expected = everything(shape, options, 100 + Number(i));
      await useBackend('tensorflow');
      const forward = vi.spyOn(native, 'gridSampleForward');
      const actual = everything(shape, options, 100 + Number(i));
      expect(forward).not.toHaveBeenCalled();  // the TF op ran, not the N-API path
      expect(actual.length).toBe(expected.length);
      actual.forEach((a, k) => expectBitwise(a, expected[k], `result ${k}`));
    });
  });

  test.each([SAMPLER_CASES[0], SAMPLER_CASES.find((o) => o.mode === 'bicubic' && o.alignCorners)!])(
      'one grid and theta for the whole batch ($mode, $paddingMode): every output and gradient equals cpu',
      async (options) => {
        await useBackend('cpu');
        const expected = everything(SHAPES[2], options, 9, true);
        await useBackend('tensorflow');
        const single = vi.spyOn(nodeBackend(), 'executeSingleOutput');
        const actual = everything(SHAPES[2], options, 9, true);
        expect(single.mock.calls.map(([name]) => name)).toEqual(
            expect.arrayContaining([tensorflowOpName('StnGridSample'), tensorflowOpName('StnAffineSample')]));
        actual.forEach((a, k) => expectBitwise(a, expected[k], `result ${k}`));
      });

  test.each(SAMPLER_CASES.flatMap(({mode, ...rest}) => mode === 'bicubic' ? [] : [{mode, ...rest}]))(
      'volumes ($mode, $paddingMode, alignCorners $alignCorners): every output and gradient equals cpu, via the ops',
      async (options) => {
        const volumes = (shared: boolean) => {
          const [n, d, h, w, c, od, ho, wo] = [2, 4, 5, 3, 3, 3, 4, 5];
          const gn = shared ? 1 : n;
          const random = rng(shared ? 31 : 30);
          return tf.tidy(() => {
            const x = tf.tensor5d(randomArray(random, n * d * h * w * c), [n, d, h, w, c]);
            const grid = tf.tensor5d(randomArray(random, gn * od * ho * wo * 3, -1.4, 1.4), [gn, od, ho, wo, 3]);
            const theta = tf.tensor3d(randomArray(random, gn * 12, -1.2, 1.2), [gn, 3, 4]);
            const dy = tf.tensor5d(randomArray(random, n * od * ho * wo * c), [n, od, ho, wo, c]);
            const dGrid = tf.tensor5d(randomArray(random, gn * od * ho * wo * 3), [gn, od, ho, wo, 3]);
            const sample = (a: tf.Tensor, b: tf.Tensor) => gridSample3d(a, b, options);
            const toGrid = (t: tf.Tensor) => affineGrid3d(t, [gn, od, ho, wo, c], {alignCorners: options.alignCorners});
            const fused = (a: tf.Tensor, t: tf.Tensor) => affineSample3d(a, t, [n, od, ho, wo, c], options);
            return [sample(x, grid), ...tf.grads(sample)([x, grid], dy), tf.grad((g: tf.Tensor) => sample(x, g))(grid, dy),
              toGrid(theta), tf.grad(toGrid)(theta, dGrid),
              fused(x, theta), ...tf.grads(fused)([x, theta], dy), tf.grad((t: tf.Tensor) => fused(x, t))(theta, dy),
            ].map((t) => t.dataSync() as Float32Array);
          });
        };
        for (const shared of [false, true]) {
          await useBackend('cpu');
          const expected = volumes(shared);
          await useBackend('tensorflow');
          const forward = vi.spyOn(native, 'gridSample3dForward');
          const backward = vi.spyOn(native, 'gridSample3dBackward');
          const fusedSpies = [vi.spyOn(native, 'affineSample3dForward'), vi.spyOn(native, 'affineSample3dBackward')];
          const actual = volumes(shared);
          expect(forward).not.toHaveBeenCalled();
          expect(backward).not.toHaveBeenCalled();
          fusedSpies.forEach((spy) => expect(spy).not.toHaveBeenCalled());
          vi.restoreAllMocks();
          actual.forEach((a, k) => expectBitwise(a, expected[k], `result ${k}${shared ? ' (shared)' : ''}`));
        }
      });

  test.each(SAMPLER_CASES.filter((o) => !o.alignCorners))(
      'flowWarp ($mode, $paddingMode), images and volumes: every output and gradient equals cpu, via the ops',
      async ({mode, paddingMode}) => {
        const shapes = mode === 'bicubic' ? [[2, 5, 6, 3]] : [[2, 5, 6, 3], [2, 4, 3, 5, 2]];
        const warps = () => tf.tidy(() => shapes.flatMap((shape) => {
          const random = rng(shape.length);
          const n = shape[0], spatial = shape.slice(1, -1), c = shape[shape.length - 1];
          const x = tf.tensor(randomArray(random, shape.reduce((a, b) => a * b)), shape);
          const flowShape = [n, ...spatial, spatial.length];
          const flow = tf.tensor(randomArray(random, flowShape.reduce((a, b) => a * b), -2, 2), flowShape);
          const dy = tf.tensor(randomArray(random, n * spatial.reduce((a, b) => a * b) * c), [n, ...spatial, c]);
          const warp = (a: tf.Tensor, b: tf.Tensor) => flowWarp(a, b, {mode, paddingMode});
          return [warp(x, flow), ...tf.grads(warp)([x, flow], dy), tf.grad((b: tf.Tensor) => warp(x, b))(flow, dy)]
              .map((t) => t.dataSync() as Float32Array);
        }));
        await useBackend('cpu');
        const expected = warps();
        await useBackend('tensorflow');
        const spies = [vi.spyOn(native, 'flowWarpForward'), vi.spyOn(native, 'flowWarpBackward'),
          vi.spyOn(native, 'flowWarp3dForward'), vi.spyOn(native, 'flowWarp3dBackward')];
        const actual = warps();
        spies.forEach((spy) => expect(spy).not.toHaveBeenCalled());
        actual.forEach((a, k) => expectBitwise(a, expected[k], `result ${k}`));
      });

  test('the volume ops check their tensors themselves', async () => {
    await useBackend('tensorflow');
    const backend = nodeBackend();
    const {TF_ATTR_STRING: string, TF_ATTR_BOOL: bool} = backend.binding;
    const sampler = (mode: string) => [{name: 'mode', type: string, value: mode},
      {name: 'padding_mode', type: string, value: 'zeros'}, {name: 'align_corners', type: bool, value: false}];
    const run = (kernel: string, inputs: tf.Tensor[], attrs: unknown[]) =>
      () => backend.executeSingleOutput(tensorflowOpName(kernel)!, attrs, inputs);
    const x = tf.zeros([1, 2, 3, 4, 1]);
    expect(run('StnGridSample3d', [x, tf.zeros([1, 2, 2, 2, 3])], sampler('bicubic')))
        .toThrow(/StnGridSample3dAbi2: mode must be 'bilinear' or 'nearest' for volumes but is 'bicubic'/);
    expect(run('StnGridSample3d', [x, tf.zeros([1, 2, 2, 2, 2])], sampler('bilinear')))
        .toThrow(/StnGridSample3dAbi2: grid must have shape \[1,2,2,2,3\]/);
    expect(run('StnGridSample3d', [tf.zeros([1, 2, 0, 4, 1]), tf.zeros([1, 2, 2, 2, 3])], sampler('nearest')))
        .toThrow(/StnGridSample3dAbi2: input must be non-empty in D, H and W/);
    const align = [{name: 'align_corners', type: bool, value: false}];
    expect(run('StnAffineGrid3d', [tf.zeros([1, 2, 3]), tf.tensor1d([2, 2, 2], 'int32')], align))
        .toThrow(/StnAffineGrid3dAbi2: theta must have shape \[1,3,4\]/);
    expect(run('StnAffineGrid3d', [tf.zeros([1, 3, 4]), tf.tensor1d([2, 2], 'int32')], align))
        .toThrow(/StnAffineGrid3dAbi2: size must be an int32 tensor of shape \[3\]/);
  });

  test('nothing is read back into JS, forward or backward, and outputs stay TF-held', async () => {
    await useBackend('tensorflow');
    const backend = nodeBackend();
    const random = rng(7);
    const x = tf.tensor4d(randomArray(random, 2 * 9 * 8 * 4), [2, 9, 8, 4]);
    const theta = tf.tensor3d(randomArray(random, 12, -1, 1), [2, 2, 3]);
    // Uploaded to TF before the spy, as the output of a previous TF op would be.
    const [xs, thetas] = [tf.add(x, 0), tf.add(theta, 0)];
    const readSync = vi.spyOn(backend, 'readSync');
    const heldByTf = (t: tf.Tensor) => {
      const data = backend.tensorMap.get(t.dataId);
      return data.values === null && data.id >= 0;
    };
    const size = [2, 7, 6, 4];
    const step = (a: tf.Tensor, b: tf.Tensor) => tf.sum(gridSample(a, affineGrid(b, size), {paddingMode: 'border'}));
    const fused = (a: tf.Tensor, b: tf.Tensor) => tf.sum(affineSample(a, b, size, {mode: 'nearest'}));
    const outputs = [
      gridSample(xs, affineGrid(thetas, size)), affineSample(xs, thetas, size), affineGrid(thetas, size),
      ...tf.grads(step)([xs, thetas]), tf.grad((b: tf.Tensor) => step(xs, b))(thetas),
      ...tf.grads(fused)([xs, thetas]), tf.grad((b: tf.Tensor) => fused(xs, b))(thetas),
    ];
    expect(readSync).not.toHaveBeenCalled();
    outputs.forEach((t, k) => expect(heldByTf(t), `output ${k} is TF-held`).toBe(true));
  });

  test('useTensorflowOps(false): the JS path (readSync, the N-API kernels), the same bits', async () => {
    await useBackend('tensorflow');
    const viaOps = everything(SHAPES[1], SAMPLER_CASES[3], 5);
    useTensorflowOps(false);
    expect(tensorflowOps()).toEqual({active: false, reason: expect.stringMatching(/forced off/)});
    const readSync = vi.spyOn(nodeBackend(), 'readSync');
    const forward = vi.spyOn(native, 'gridSampleForward');
    const viaJs = everything(SHAPES[1], SAMPLER_CASES[3], 5);
    expect(readSync).toHaveBeenCalled();
    expect(forward).toHaveBeenCalled();
    viaJs.forEach((a, k) => expectBitwise(a, viaOps[k], `result ${k}`));
  });

  test('bad input: the same errors as on cpu, thrown before any op runs', async () => {
    const bad: Array<() => unknown> = [
      () => gridSample(tf.zeros([1, 4, 4, 1]), tf.zeros([1, 3, 3, 3])),
      () => gridSample(tf.zeros([1, 4, 4, 1]), tf.zeros([2, 3, 3, 2])),
      () => gridSample(tf.zeros([1, 0, 4, 1]), tf.zeros([1, 3, 3, 2])),
      () => gridSample(tf.zeros([1, 4, 4, 1]), tf.zeros([1, 3, 3, 2]), {mode: 'lanczos' as never}),
      () => affineGrid(tf.zeros([1, 2, 2]), [1, 4, 4, 1]),
      () => affineGrid(tf.zeros([2, 2, 3]), [1, 4, 4, 1]),
      () => affineSample(tf.zeros([1, 4, 4, 2]), tf.zeros([1, 2, 3]), [1, 4, 4, 3]),
      () => affineSample(tf.zeros([1, 4, 4, 2], 'int32'), tf.zeros([1, 2, 3]), [1, 4, 4, 2]),
    ];
    const messages = async (backendName: string) => {
      await useBackend(backendName);
      return bad.map((f) => {
        try {
          f();
        } catch (err) {
          return (err as Error).message;
        }
        return 'no error';
      });
    };
    const onCpu = await messages('cpu');
    const single = vi.spyOn(nodeBackend(), 'executeSingleOutput');
    const onTensorflow = await messages('tensorflow');
    expect(onTensorflow).toEqual(onCpu);
    onCpu.forEach((m) => expect(m).toMatch(/^(gridSample|affineGrid|affineSample): \S+ /));
    expect(single.mock.calls.filter(([name]) => name.startsWith('Stn'))).toEqual([]);
  });

  test('the ops check their tensors themselves: errors name the op and the argument', async () => {
    await useBackend('tensorflow');
    const backend = nodeBackend();
    const {TF_ATTR_STRING: string, TF_ATTR_BOOL: bool} = backend.binding;
    const sampler = [{name: 'mode', type: string, value: 'bilinear'},
      {name: 'padding_mode', type: string, value: 'zeros'}, {name: 'align_corners', type: bool, value: false}];
    const run = (kernel: string, inputs: tf.Tensor[], attrs = sampler) =>
      () => backend.executeSingleOutput(tensorflowOpName(kernel)!, attrs, inputs);
    const x = tf.zeros([1, 4, 4, 2]);
    expect(run('StnGridSample', [x, tf.zeros([1, 3, 3, 3])]))
        .toThrow(/StnGridSampleAbi2: grid must have shape \[1,3,3,2\] .* but has shape \[1,3,3,3\]/);
    expect(run('StnGridSample', [x, tf.zeros([2, 3, 3, 2])])).toThrow(/StnGridSampleAbi2: grid must have shape \[1,3,3,2\]/);
    expect(run('StnGridSample', [tf.zeros([1, 4, 0, 2]), tf.zeros([1, 3, 3, 2])]))
        .toThrow(/StnGridSampleAbi2: input must be non-empty in H and W/);
    expect(run('StnGridSample', [tf.zeros([4, 4, 2]), tf.zeros([1, 3, 3, 2])]))
        .toThrow(/StnGridSampleAbi2: input must be a float32 tensor \[N,H,W,C\]/);
    expect(run('StnGridSample', [x, tf.zeros([1, 3, 3, 2])], [{...sampler[0], value: 'lanczos'}, sampler[1], sampler[2]]))
        .toThrow(/'mode' of "lanczos" is not in the list of allowed values/);
    const align = [{name: 'align_corners', type: bool, value: false}];
    expect(run('StnAffineGrid', [tf.zeros([1, 2, 3]), tf.tensor1d([4, -1], 'int32')], align))
        .toThrow(/StnAffineGridAbi2: size must hold sizes >= 0 \[Ho,Wo\] but has \[4,-1\]/);
    expect(run('StnAffineGrid', [tf.zeros([1, 2, 3]), tf.tensor1d([4, 4, 1], 'int32')], align))
        .toThrow(/StnAffineGridAbi2: size must be an int32 tensor of shape \[2\]/);
    expect(run('StnAffineGrid', [tf.zeros([1, 3, 2]), tf.tensor1d([4, 4], 'int32')], align))
        .toThrow(/StnAffineGridAbi2: theta must have shape \[1,2,3\]/);
    expect(run('StnAffineGrid', [tf.zeros([1, 2, 3]), tf.tensor1d([2 ** 30, 2 ** 30], 'int32')], align))
        .toThrow(/StnAffineGridAbi2: grid shape \[1,1073741824,1073741824,2\] is too large/);
  });

  test('an output size beyond int32 takes the JS path (which cannot allocate it)', async () => {
    await useBackend('tensorflow');
    const single = vi.spyOn(nodeBackend(), 'executeSingleOutput');
    expect(() => affineGrid(tf.zeros([1, 2, 3]), [1, 2 ** 31, 2 ** 31, 1])).toThrow(RangeError);
    expect(single.mock.calls.filter(([name]) => name.startsWith('Stn'))).toEqual([]);
  });
});
