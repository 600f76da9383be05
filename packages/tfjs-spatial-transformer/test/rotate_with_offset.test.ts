// tfjs's RotateWithOffset kernel (tf.image.rotateWithOffset), as the package
// registers it on both backends: tfjs-backend-cpu's own kernel (captured
// before the package replaces it) is the oracle, bit for bit, on random
// images, angles, centres and fills (one value and [r, g, b]), batch 1 and
// > 1, C = 1, 3, 4 and 5, square and non-square images, angles whose
// sources land within an ulp of rounding ties, NaN and infinite angles and
// centres; the image gradient is the scatter (its adjoint identity, central
// finite differences, exact counts); the TF-op path equals the JS path; the
// threaded kernels equal the scalar reference; bad input fails before native
// code.
import * as tf from '@tensorflow/tfjs-node';
import {beforeAll, describe, expect, test, vi} from 'vitest';

import {native} from '../lib/native';
import {tensorflowOpName, useTensorflowOps} from '../lib/tensorflow_ops';
import {BACKEND_NAMES, expectBitwise, expectClose, randomArray, rng, useBackend} from './helpers';

// tfjs-backend-cpu's own kernel, captured before the package replaces it
// (importing it registers the kernels).
let stockCpuRotate: tf.KernelFunc;
beforeAll(async () => {
  stockCpuRotate = tf.getKernel('RotateWithOffset', 'cpu')!.kernelFunc;
  await import('../lib');
});

type Fill = number|[number, number, number];
type Center = number|[number, number];
type Shape = [number, number, number, number];

/** tfjs-backend-cpu's kernel on the 'cpu' backend, as an array. */
async function oracle(image: Float32Array, shape: Shape, radians: number, fillValue: Fill,
    center: Center): Promise<Float32Array> {
  const previous = tf.getBackend();
  await useBackend('cpu');
  const x = tf.tensor4d(image, shape);
  const info = stockCpuRotate({inputs: {image: x}, backend: tf.backend(), attrs: {radians, fillValue, center}}) as
      tf.TensorInfo;
  const result = (tf.backend().readSync(info.dataId) as Float32Array).slice();
  tf.backend().disposeData(info.dataId);
  x.dispose();
  await useBackend(previous);
  return result;
}

function ours(image: Float32Array, shape: Shape, radians: number, fillValue: Fill, center: Center): Float32Array {
  return tf.tidy(() => tf.image.rotateWithOffset(tf.tensor4d(image, shape), radians, fillValue, center)
      .dataSync() as Float32Array);
}

// Batch 1 and > 1, C = 1, 3, 4 and 5, square and not.
const SHAPES: Shape[] = [[1, 8, 8, 3], [3, 7, 12, 1], [2, 9, 5, 4], [1, 6, 11, 5], [2, 1, 7, 3]];
const SHAPE_CASES = SHAPES.map((shape) => [JSON.stringify(shape), shape] as const);

/** Random angles and centres, and ones that stress the rounding: multiples of pi/2 (sources within an ulp of ties). */
function rotationsFor(random: () => number, shape: Shape): [number, Center][] {
  const [, h, w] = shape;
  const out: [number, Center][] = [];
  for (let i = 0; i < 4; i++) out.push([8 * (random() - 0.5), random() < 0.5 ? random() : [random(), random()]]);
  out.push([3 * (random() - 0.5), [3 * (random() - 0.5), 3 * (random() - 0.5)]]);  // centre outside
  // cx, cy at quarter pixels: x' = 2 cx - x + an ulp-sized term from sin(pi) at a tie.
  for (const radians of [Math.PI, Math.PI / 2, -Math.PI / 2, 0]) out.push([radians, [1.25 / w, 2.75 / h]]);
  out.push([Math.PI / 2, 0.5]);
  return out;
}

function fillsFor(): Fill[] {
  return [0, -1.5, [0.25, -3, 7]];
}

describe.each(BACKEND_NAMES)('RotateWithOffset on %s', (backendName) => {
  beforeAll(() => useBackend(backendName));

  test.each(SHAPE_CASES)('equals tfjs-backend-cpu\'s own kernel bit for bit (%s)', async (_, shape) => {
    const random = rng(shape.reduce((a, b) => 7 * a + b, 1));
    const [n, h, w, c] = shape;
    for (const [radians, center] of rotationsFor(random, shape)) {
      for (const fillValue of fillsFor()) {
        const image = randomArray(random, n * h * w * c, -2, 2);
        const expected = await oracle(image, shape, radians, fillValue, center);
        expectBitwise(ours(image, shape, radians, fillValue, center), expected,
            `radians ${radians}, center ${JSON.stringify(center)}, fill ${JSON.stringify(fillValue)}`);
      }
    }
  });

  test('an [r, g, b] fill: channel 3 gets 255 and channels past it NaN, as in tfjs-backend-cpu', async () => {
    const shape: Shape = [1, 4, 4, 5];
    const image = randomArray(rng(2), 4 * 4 * 5);
    const out = ours(image, shape, 1, [1, 2, 3], [5, 5]);  // centre far out: every pixel is the fill
    for (let i = 0; i < out.length; i += 5) expect(Array.from(out.slice(i, i + 5))).toEqual([1, 2, 3, 255, NaN]);
    expectBitwise(out, await oracle(image, shape, 1, [1, 2, 3], [5, 5]), 'fill');
  });

  test('NaN and infinite radians or centre: the whole output is the fill, as in tfjs-backend-cpu', async () => {
    const shape: Shape = [2, 5, 6, 3];
    const image = randomArray(rng(3), 2 * 5 * 6 * 3);
    // (A huge finite angle is an ordinary rotation: Math.sin(1e300) is finite.)
    const cases: [number, Center][] = [[NaN, 0.5], [Infinity, 0.5], [-Infinity, [0.2, 0.4]], [0.3, NaN],
      [0.3, [Infinity, 0.5]], [0, [0.5, -Infinity]], [0.3, [1e300, 0.5]], [2, [0.5, -1e300]]];
    for (const [radians, center] of cases) {
      const out = ours(image, shape, radians, [0.5, -1, 2], center);
      for (let i = 0; i < out.length; i += 3) expect(Array.from(out.slice(i, i + 3))).toEqual([0.5, -1, 2]);
      expectBitwise(out, await oracle(image, shape, radians, [0.5, -1, 2], center), `${radians}, ${center}`);
    }
  });

  test.each(([[0, 4, 5, 3], [2, 0, 5, 3], [1, 4, 5, 0]] as Shape[]).map((s) => [JSON.stringify(s), s] as const))(
      'an empty image %s gives an empty output, and gradient', (_, shape) => {
    const x = tf.zeros(shape) as tf.Tensor4D;
    const out = tf.image.rotateWithOffset(x, 0.5, [1, 2, 3]);
    expect(out.shape).toEqual(shape);
    expect(out.dataSync().length).toBe(0);
    const grad = tf.grad((a: tf.Tensor) => tf.image.rotateWithOffset(a as tf.Tensor4D, 0.5))(x);
    expect(grad.shape).toEqual(shape);
  });

  test('bad arguments fail before native code, naming the argument', () => {
    const image = tf.zeros([1, 3, 3, 1]);
    const forward = vi.spyOn(native, 'rotateWithOffsetForward');
    const run = (attrs: Record<string, unknown>, x: tf.Tensor = image) => () => tf.engine().runKernel(
        'RotateWithOffset', {image: x}, {radians: 0.5, fillValue: 0, center: 0.5, ...attrs} as unknown as tf.NamedAttrMap);
    expect(run({}, tf.zeros([3, 3, 1]))).toThrow('rotateWithOffset: image must be a 4-D tensor [N, H, W, C], but got [3,3,1]');
    expect(run({}, tf.zeros([1, 3, 3, 1], 'int32'))).toThrow('rotateWithOffset: image must be a float32 tensor, but got "int32"');
    expect(run({radians: '0.5'})).toThrow('rotateWithOffset: radians must be a number, but got "0.5"');
    expect(run({radians: undefined})).toThrow('rotateWithOffset: radians must be a number, but got undefined');
    expect(run({fillValue: [1, 2]})).toThrow('rotateWithOffset: fillValue must be a number or an array of 3 numbers [r, g, b], but got [1,2]');
    expect(run({fillValue: '0'})).toThrow('rotateWithOffset: fillValue must be a number or an array of 3 numbers [r, g, b], but got "0"');
    expect(run({center: [0.5]})).toThrow('rotateWithOffset: center must be a number or an array of 2 numbers [x, y], but got [0.5]');
    expect(run({center: [0.5, null]})).toThrow('rotateWithOffset: center must be a number or an array of 2 numbers [x, y], but got [0.5,null]');
    // tfjs's op checks the image's rank and dtype itself, first.
    expect(() => tf.image.rotateWithOffset(tf.zeros([3, 3, 1]) as unknown as tf.Tensor4D, 0)).toThrow(
        'Error in rotateWithOffset: image must be rank 4');
    expect(forward).not.toHaveBeenCalled();
    forward.mockRestore();
  });
});

describe.each(BACKEND_NAMES)('RotateWithOffset\'s image gradient on %s', (backendName) => {
  beforeAll(() => useBackend(backendName));

  const rotate = (radians: number, center: Center) => (x: tf.Tensor) =>
    tf.image.rotateWithOffset(x as tf.Tensor4D, radians, 0.5, center);
  const gradient = (shape: Shape, radians: number, center: Center, dy: Float32Array) =>
    tf.tidy(() => tf.grad(rotate(radians, center))(tf.zeros(shape), tf.tensor4d(dy, shape)).dataSync() as Float32Array);
  const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
    let sum = 0;
    for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
    return sum;
  };

  test.each(SHAPE_CASES.slice(0, 4))('is the adjoint of the rotation: sum(dy · (rot(x) - rot(0))) = sum(grad · x) (%s)',
      (_, shape) => {
    const random = rng(50 + shape[3]);
    const [n, h, w, c] = shape;
    for (const [radians, center] of rotationsFor(random, shape)) {
      const x = randomArray(random, n * h * w * c), dy = randomArray(random, n * h * w * c);
      const moved = ours(x, shape, radians, 0.5, center), filled = ours(new Float32Array(x.length), shape, radians,
          0.5, center);
      const linear = Float32Array.from(moved, (v, i) => v - filled[i]);
      expect(dot(gradient(shape, radians, center, dy), x)).toBeCloseTo(dot(dy, linear), 4);
    }
  });

  test('equals central finite differences (the rotation is linear in the image: exact)', () => {
    const shape: Shape = [2, 5, 4, 2];
    const random = rng(61);
    const size = 2 * 5 * 4 * 2;
    for (const [radians, center] of [[0.7, 0.5], [-2.2, [0.3, 0.8]], [Math.PI, [1.25 / 4, 2.75 / 5]]] as const) {
      const x = randomArray(random, size), weights = randomArray(random, size);
      const loss = (v: Float32Array) => dot(ours(v, shape, radians, 0.5, center as Center), weights);
      const fd = Float32Array.from(x, (_, i) => {
        const plus = Float32Array.from(x), minus = Float32Array.from(x);
        plus[i] += 0.25;
        minus[i] -= 0.25;
        return (loss(plus) - loss(minus)) / 0.5;
      });
      expectClose(gradient(shape, radians, center as Center, weights), fd, {rtol: 1e-5, atol: 1e-5},
          `radians ${radians}`);
    }
  });

  test('with dy = 1, each pixel gets exactly the number of outputs that read it (counted through tfjs-backend-cpu)',
      async () => {
    const shape: Shape = [2, 9, 7, 1];
    const size = 2 * 9 * 7;
    const random = rng(62);
    for (const [radians, center] of rotationsFor(random, shape)) {
      // Rotating the pixels' own indices tells which pixel each output read.
      const indices = Float32Array.from({length: size}, (_, i) => i);
      const read = await oracle(indices, shape, radians, -1, center);
      const counts = new Float32Array(size);
      for (const i of read) if (i >= 0) counts[i] += 1;
      expectBitwise(gradient(shape, radians, center, new Float32Array(size).fill(1)), counts,
          `radians ${radians}, center ${JSON.stringify(center)}`);
    }
  });
});

describe('RotateWithOffset on tensorflow runs as a TensorFlow op', () => {
  beforeAll(() => useBackend('tensorflow'));

  test('the op is registered, and the JS path gives the same bits (output and gradient)', () => {
    expect(tensorflowOpName('RotateWithOffset')).toBe('StnRotateWithOffsetAbi2');
    expect(tensorflowOpName('StnRotateWithOffsetGrad')).toBe('StnRotateWithOffsetGradAbi2');
    const random = rng(71);
    const x = tf.tensor4d(randomArray(random, 3 * 6 * 7 * 4), [3, 6, 7, 4]);
    const dy = tf.tensor4d(randomArray(random, 3 * 6 * 7 * 4), [3, 6, 7, 4]);
    const f = (a: tf.Tensor) => tf.image.rotateWithOffset(a as tf.Tensor4D, 0.9, [1, 2, 3], [0.4, 0.7]);
    const all = () => [f(x), tf.grad(f)(x, dy)].map((r) => r.dataSync() as Float32Array);
    const forward = vi.spyOn(native, 'rotateWithOffsetForward'), backward = vi.spyOn(native, 'rotateWithOffsetBackward');
    const viaOps = all();
    expect(forward).not.toHaveBeenCalled();
    expect(backward).not.toHaveBeenCalled();
    useTensorflowOps(false);
    try {
      const viaJs = all();
      expect(forward).toHaveBeenCalledTimes(2);  // f(x), and tf.grad's own forward
      expect(backward).toHaveBeenCalledTimes(1);
      viaOps.forEach((v, i) => expectBitwise(viaJs[i], v, ['output', 'image gradient'][i]));
    } finally {
      useTensorflowOps(true);
      vi.restoreAllMocks();
    }
  });

  test('the op checks its inputs', () => {
    const backend = tf.backend() as unknown as {executeSingleOutput(n: string, a: unknown[], i: tf.Tensor[]): tf.Tensor};
    const image = tf.zeros([1, 3, 3, 2]);
    const rotation = tf.tensor1d(new Int32Array(Float64Array.of(1, 0, 1.5, 1.5).buffer), 'int32');
    expect(() => backend.executeSingleOutput('StnRotateWithOffsetAbi2', [], [image, rotation, tf.zeros([3])]))
        .toThrow('StnRotateWithOffsetAbi2: fill_value must have shape [2] (one value per channel of image) but has shape [3]');
    expect(() => backend.executeSingleOutput('StnRotateWithOffsetAbi2', [], [image, tf.zeros([8], 'int32').slice(0, 6),
      tf.zeros([2])])).toThrow('StnRotateWithOffsetAbi2: rotation must be an int32 tensor of shape [8]');
  });
});

describe('the threaded kernels equal the scalar reference', () => {
  test.each(SHAPE_CASES)('%s, forward and image gradient, bit for bit', (_, shape) => {
    const random = rng(81 + shape[3]);
    const size = shape.reduce((a, b) => a * b, 1);
    for (const [radians, center] of rotationsFor(random, shape)) {
      const [cx, cy] = typeof center === 'number' ? [center, center] : center;
      const rotation = Float64Array.of(Math.cos(radians), Math.sin(radians), shape[2] * cx, shape[1] * cy);
      const images = randomArray(random, size), dy = randomArray(random, size);
      const fill = randomArray(random, shape[3]);
      const run = (k: typeof native | typeof native.reference) => {
        const out = new Float32Array(size).fill(NaN), grad = new Float32Array(size).fill(NaN);
        k.rotateWithOffsetForward(images, fill, out, shape, rotation);
        k.rotateWithOffsetBackward(dy, grad, shape, rotation);
        return [out, grad];
      };
      const [refOut, refGrad] = run(native.reference);
      for (const threads of [1, 2]) {
        native.setNumThreads(threads);
        const [out, grad] = run(native);
        expectBitwise(out, refOut, `output, ${threads} threads`);
        expectBitwise(grad, refGrad, `image gradient, ${threads} threads`);
      }
      native.setNumThreads(0);
    }
  });

  test('the addon checks its arguments', () => {
    const f = new Float32Array(8), r = new Float64Array(4);
    expect(() => native.rotateWithOffsetForward(f, new Float32Array(2), f, [1, 2, 2, 2], new Float64Array(3))).toThrow(
        'rotateWithOffsetForward: rotation must have 4 elements [cos, sin, cx, cy] but has 3');
    expect(() => native.rotateWithOffsetForward(f, new Float32Array(2), f, [1, 2, 2, 2],
        new Float32Array(4) as unknown as Float64Array)).toThrow(
        'rotateWithOffsetForward: rotation must be a Float64Array [cos, sin, cx, cy] but got a Float32Array');
    expect(() => native.rotateWithOffsetForward(f, new Float32Array(3), f, [1, 2, 2, 2], r)).toThrow(
        'rotateWithOffsetForward: fill must have 2 float32 elements');
    expect(() => native.rotateWithOffsetForward(f, new Float32Array(2), f.subarray(1), [1, 2, 2, 2], r)).toThrow(
        'rotateWithOffsetForward: output must have 8 float32 elements');
    expect(() => native.rotateWithOffsetBackward(f, f, [1, 2, 2, 2], r)).toThrow(
        'rotateWithOffsetBackward: gradImages must not overlap dy');
  });
});
