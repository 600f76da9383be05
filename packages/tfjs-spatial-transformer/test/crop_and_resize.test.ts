// tfjs's CropAndResize kernel (tf.image.cropAndResize) with the package
// imported: on 'cpu' our native forward, on 'tensorflow' TensorFlow's own op;
// the gradients (image, boxes) on both. TensorFlow's own CropAndResize,
// CropAndResizeGradImage and CropAndResizeGradBoxes (run through tfjs-node's
// backend) are the oracles, on random images and boxes partly outside,
// flipped, crop sides of 1, C = 1 and 3, more boxes than images and fewer,
// repeated indices; tfjs-backend-cpu's stock kernel agrees on 'cpu'; both
// gradients match central finite differences; bad input fails before native
// code, naming the argument.
import * as tf from '@tensorflow/tfjs-node';
import {beforeAll, describe, expect, test} from 'vitest';

import {native} from '../lib/native';
import {BACKEND_NAMES, expectBitwise, expectClose, randomArray, rng, useBackend, weightedSum} from './helpers';

// tfjs-backend-cpu's own kernel, captured before the package replaces it
// (importing it registers the kernels).
let stockCpuCropAndResize: tf.KernelFunc;
beforeAll(async () => {
  stockCpuCropAndResize = tf.getKernel('CropAndResize', 'cpu')!.kernelFunc;
  await import('../lib');
});

const METHODS = ['bilinear', 'nearest'] as const;
type Method = typeof METHODS[number];

interface Case {
  image: Float32Array;
  shape: [number, number, number, number];
  boxes: Float32Array;
  boxInd: Int32Array;
  cropSize: [number, number];
}

interface NodeBackend {
  executeSingleOutput(name: string, attrs: unknown[], inputs: tf.Tensor[]): tf.Tensor;
  binding: {TF_ATTR_STRING: number, TF_ATTR_TYPE: number, TF_ATTR_FLOAT: number, TF_FLOAT: number};
}

/** Runs TensorFlow's op `name` on the 'tensorflow' backend; its output as an array. */
async function tensorflowOp(name: string, attrs: (b: NodeBackend['binding']) => unknown[],
    inputs: () => tf.Tensor[]): Promise<Float32Array> {
  const previous = tf.getBackend();
  await useBackend('tensorflow');
  try {
    const backend = tf.backend() as unknown as NodeBackend;
    const output = tf.tidy(() => backend.executeSingleOutput(name, attrs(backend.binding), inputs()));
    const values = output.dataSync() as Float32Array;
    output.dispose();
    return values;
  } finally {
    await useBackend(previous);
  }
}

const typeAttr = (b: NodeBackend['binding']) => ({name: 'T', type: b.TF_ATTR_TYPE, value: b.TF_FLOAT});
const methodAttr = (b: NodeBackend['binding'], value: string) => ({name: 'method', type: b.TF_ATTR_STRING, value});

function tfForward(k: Case, method: Method, extrapolationValue: number): Promise<Float32Array> {
  return tensorflowOp('CropAndResize', (b) => [typeAttr(b), methodAttr(b, method),
    {name: 'extrapolation_value', type: b.TF_ATTR_FLOAT, value: extrapolationValue}],
  () => [tf.tensor(k.image, k.shape), tf.tensor2d(k.boxes, [k.boxInd.length, 4]), tf.tensor1d(k.boxInd, 'int32'),
    tf.tensor1d(k.cropSize, 'int32')]);
}

function tfGradImage(k: Case, method: Method, dy: Float32Array): Promise<Float32Array> {
  return tensorflowOp('CropAndResizeGradImage', (b) => [typeAttr(b), methodAttr(b, method)],
      () => [tf.tensor(dy, dyShape(k)), tf.tensor2d(k.boxes, [k.boxInd.length, 4]), tf.tensor1d(k.boxInd, 'int32'),
        tf.tensor1d(k.shape, 'int32')]);
}

function tfGradBoxes(k: Case, dy: Float32Array): Promise<Float32Array> {
  return tensorflowOp('CropAndResizeGradBoxes', (b) => [typeAttr(b), methodAttr(b, 'bilinear')],
      () => [tf.tensor(dy, dyShape(k)), tf.tensor(k.image, k.shape), tf.tensor2d(k.boxes, [k.boxInd.length, 4]),
        tf.tensor1d(k.boxInd, 'int32')]);
}

function dyShape(k: Case): number[] {
  return [k.boxInd.length, k.cropSize[0], k.cropSize[1], k.shape[3]];
}

function ours(k: Case, method: Method, extrapolationValue: number): Float32Array {
  return tf.tidy(() => tf.image.cropAndResize(tf.tensor4d(k.image, k.shape), tf.tensor2d(k.boxes, [k.boxInd.length, 4]),
      tf.tensor1d(k.boxInd, 'int32'), k.cropSize, method, extrapolationValue)).dataSync() as Float32Array;
}

/** [dImage, dBoxes] of sum(dy * cropAndResize(image, boxes)), through tf.grads. */
function ourGradients(k: Case, method: Method, dy: Float32Array): Float32Array[] {
  const boxInd = tf.tensor1d(k.boxInd, 'int32');
  const f = (x: tf.Tensor, b: tf.Tensor) => tf.image.cropAndResize(x as tf.Tensor4D, b as tf.Tensor2D, boxInd,
      k.cropSize, method, 0.5);
  const grads = tf.grads(f)([tf.tensor4d(k.image, k.shape), tf.tensor2d(k.boxes, [k.boxInd.length, 4])],
      tf.tensor(dy, dyShape(k)));
  return grads.map((g) => g.dataSync() as Float32Array);
}

/**
 * Boxes of every kind: inside, partly outside (edges in [-0.4, 1.4]), flipped
 * in y, in x or both, and (kind 4) degenerate (y1 = y2).
 */
function boxesFor(random: () => number, count: number): Float32Array {
  const rows: number[] = [];
  const kinds = [
    () => [0.1 + 0.3 * random(), 0.1 + 0.3 * random(), 0.6 + 0.3 * random(), 0.6 + 0.3 * random()],
    () => [-0.4 + 0.6 * random(), -0.4 + 0.6 * random(), 0.8 + 0.6 * random(), 0.8 + 0.6 * random()],
    () => [0.6 + 0.4 * random(), 0.2 * random(), 0.3 * random(), 0.7 + 0.3 * random()],
    () => [0.7 * random(), 0.6 + 0.6 * random(), 0.3 + 0.7 * random(), -0.2 + 0.4 * random()],
    () => {
      const y = random();
      return [y, 0.2 * random(), y, 0.5 + 0.5 * random()];
    },
  ];
  for (let i = 0; i < count; i++) rows.push(...kinds[i % kinds.length]());
  return Float32Array.from(rows);
}

// [N, H, W, C, boxes, cropH, cropW]: more boxes than images and fewer, C = 1
// and 3, crop sides of 1, an image of one row.
const SHAPES = [[2, 7, 6, 3, 5, 4, 5], [4, 5, 8, 1, 2, 6, 3], [3, 6, 5, 3, 4, 1, 4], [2, 5, 6, 1, 3, 3, 1],
  [1, 1, 9, 3, 3, 2, 2], [1, 9, 8, 3, 6, 1, 1]] as const;

function caseFor(random: () => number, [n, h, w, c, count, ch, cw]: readonly number[]): Case {
  // Repeated indices, and (count < n) images no box reads.
  const boxInd = Int32Array.from({length: count}, (_, b) => (b * 3 + 1) % n);
  return {image: randomArray(random, n * h * w * c, -2, 2), shape: [n, h, w, c], boxes: boxesFor(random, count),
    boxInd, cropSize: [ch, cw]};
}

describe.each(BACKEND_NAMES)('CropAndResize on %s', (backendName) => {
  beforeAll(() => useBackend(backendName));

  describe.each(METHODS)('%s', (method) => {
    test.each(SHAPES.map((s, i) => [i, s] as const))('forward and gradients equal TensorFlow\'s ops (shape %i)',
        async (i, shape) => {
      const random = rng(200 + i);
      for (let trial = 0; trial < 3; trial++) {
        const k = caseFor(random, shape);
        const extrapolationValue = trial === 1 ? -1.5 : 0;
        const label = `trial ${trial}, boxes [${k.boxes}]`;
        expectClose(ours(k, method, extrapolationValue), await tfForward(k, method, extrapolationValue),
            {rtol: 1e-5, atol: 1e-5}, `output, ${label}`);
        const dy = randomArray(random, dyShape(k).reduce((a, b) => a * b));
        const [dImage, dBoxes] = ourGradients(k, method, dy);
        expectClose(dImage, await tfGradImage(k, method, dy), {rtol: 1e-5, atol: 1e-5}, `image gradient, ${label}`);
        if (method === 'bilinear') {
          expectClose(dBoxes, await tfGradBoxes(k, dy), {rtol: 1e-4, atol: 1e-4}, `boxes gradient, ${label}`);
        } else {
          expect(Array.from(dBoxes)).toEqual(new Array(k.boxes.length).fill(0));
        }
      }
    });
  });

  test('the boxes gradient alone equals its part of the pass computing both', () => {
    const k = caseFor(rng(5), SHAPES[0]);
    const dy = randomArray(rng(6), dyShape(k).reduce((a, b) => a * b));
    const [, both] = ourGradients(k, 'bilinear', dy);
    const boxInd = tf.tensor1d(k.boxInd, 'int32');
    const image = tf.tensor4d(k.image, k.shape);
    const alone = tf.grad((b: tf.Tensor) => tf.image.cropAndResize(image, b as tf.Tensor2D, boxInd, k.cropSize,
        'bilinear', 0.5))(tf.tensor2d(k.boxes, [k.boxInd.length, 4]), tf.tensor(dy, dyShape(k)));
    expectBitwise(alone.dataSync() as Float32Array, both, 'boxes gradient');
  });
});

describe.each(BACKEND_NAMES)('CropAndResize edge cases on %s', (backendName) => {
  beforeAll(() => useBackend(backendName));

  test('no boxes: an empty output, a zero image gradient', () => {
    const image = tf.tensor4d(randomArray(rng(9), 2 * 3 * 4 * 1), [2, 3, 4, 1]);
    const f = (x: tf.Tensor) => tf.image.cropAndResize(x as tf.Tensor4D, tf.zeros([0, 4]) as tf.Tensor2D,
        tf.zeros([0], 'int32') as tf.Tensor1D, [2, 3]);
    expect(f(image).shape).toEqual([0, 2, 3, 1]);
    expect(Array.from(tf.grad(f)(image).dataSync())).toEqual(new Array(24).fill(0));
  });

  test('an int32 image (a decoded one): the boxes gradient is its float32 values\' gradient', () => {
    const k = caseFor(rng(12), SHAPES[0]);
    const ints = Int32Array.from(k.image, (v) => Math.round(100 * v));
    const boxInd = tf.tensor1d(k.boxInd, 'int32');
    const dBoxes = (image: tf.Tensor4D) => tf.grad((b: tf.Tensor) => tf.image.cropAndResize(image, b as tf.Tensor2D,
        boxInd, k.cropSize))(tf.tensor2d(k.boxes, [k.boxInd.length, 4])).dataSync() as Float32Array;
    expectClose(dBoxes(tf.tensor4d(ints, k.shape, 'int32')), dBoxes(tf.tensor4d(Float32Array.from(ints), k.shape)),
        {rtol: 1e-6, atol: 1e-6}, 'boxes gradient');
  });
});

describe('CropAndResize on cpu against tfjs-backend-cpu\'s own kernel', () => {
  beforeAll(() => useBackend('cpu'));

  test.each(METHODS)('%s', (method) => {
    const random = rng(17);
    for (const shape of SHAPES) {
      const k = caseFor(random, shape);
      const image = tf.tensor4d(k.image, k.shape);
      const boxes = tf.tensor2d(k.boxes, [k.boxInd.length, 4]);
      const boxInd = tf.tensor1d(k.boxInd, 'int32');
      const attrs = {method, extrapolationValue: 0.25, cropSize: k.cropSize};
      const stock = stockCpuCropAndResize({inputs: {image, boxes, boxInd}, backend: tf.backend(), attrs}) as
          tf.TensorInfo;
      const expected = tf.backend().readSync(stock.dataId) as Float32Array;
      tf.backend().disposeData(stock.dataId);
      const actual = (tf.engine().runKernel('CropAndResize', {image, boxes, boxInd}, attrs) as tf.Tensor).dataSync();
      // tfjs-backend-cpu computes the coordinates in float64, TensorFlow (and
      // we) in float32: hence the tolerance. No sample point of these boxes
      // lies within float rounding of an image edge or a rounding tie.
      expectClose(actual, expected, {rtol: 1e-5, atol: 1e-5}, `shape [${shape}]`);
    }
  });

  test('an int32 image (a decoded one) is cropped as its float32 values', () => {
    const k = caseFor(rng(4), SHAPES[0]);
    const ints = Int32Array.from(k.image, (v) => Math.round(100 * v));
    const boxes = tf.tensor2d(k.boxes, [k.boxInd.length, 4]);
    const boxInd = tf.tensor1d(k.boxInd, 'int32');
    const fromInt = tf.image.cropAndResize(tf.tensor4d(ints, k.shape, 'int32'), boxes, boxInd, k.cropSize);
    const fromFloat = tf.image.cropAndResize(tf.tensor4d(Float32Array.from(ints), k.shape), boxes, boxInd, k.cropSize);
    expectBitwise(fromInt.dataSync() as Float32Array, fromFloat.dataSync() as Float32Array, 'output');
  });
});

/**
 * Boxes whose every sample coordinate (computed in float64) lies at least
 * `margin` px from an integer: away from the bilinear kernel's kinks and the
 * image edges, so central finite differences are exact up to rounding.
 */
function boxesAwayFromKinks(random: () => number, count: number, h: number, w: number, [ch, cw]: [number, number],
    margin: number): Float32Array {
  const coordinates = (a: number, b: number, size: number, crop: number) => crop > 1 ?
    Array.from({length: crop}, (_, i) => a * (size - 1) + i * (b - a) * (size - 1) / (crop - 1)) :
    [0.5 * (a + b) * (size - 1)];
  const clear = (v: number) => Math.abs(v - Math.round(v)) >= margin;
  const out: number[] = [];
  while (out.length < 4 * count) {
    const kind = (out.length / 4) % 5;  // cycles through boxesFor's kinds
    const box = boxesFor(random, kind + 1).subarray(4 * kind);
    if (coordinates(box[0], box[2], h, ch).every(clear) && coordinates(box[1], box[3], w, cw).every(clear)) {
      out.push(...box);
    }
  }
  return Float32Array.from(out);
}

describe.each(BACKEND_NAMES)('CropAndResize gradients on %s', (backendName) => {
  beforeAll(() => useBackend(backendName));

  test.each(METHODS.flatMap((m) => [[m, 0], [m, 2], [m, 3]] as const))(
      '%s: image and boxes match finite differences (shape %i)', (method, i) => {
    const [n, h, w, c, count, ch, cw] = SHAPES[i];
    const random = rng(300 + i);
    const image = randomArray(random, n * h * w * c, -2, 2);
    const boxes = boxesAwayFromKinks(random, count, h, w, [ch, cw], 0.05);
    const k: Case = {image, shape: [n, h, w, c], boxes, boxInd: Int32Array.from({length: count}, (_, b) => b % n),
      cropSize: [ch, cw]};
    const weights = randomArray(random, dyShape(k).reduce((a, b) => a * b));
    const [dImage, dBoxes] = ourGradients(k, method, weights);
    const boxInd = tf.tensor1d(k.boxInd, 'int32');
    const loss = (x: Float32Array, b: Float32Array) => tf.tidy(() => weightedSum(tf.image.cropAndResize(
        tf.tensor4d(x, k.shape), tf.tensor2d(b, [count, 4]), boxInd, k.cropSize, method, 0.5), weights));
    const central = (values: Float32Array, j: number, eps: number, call: (v: Float32Array) => number) => {
      const plus = Float32Array.from(values), minus = Float32Array.from(values);
      plus[j] += eps;
      minus[j] -= eps;
      return (call(plus) - call(minus)) / (plus[j] - minus[j]);
    };
    const fdImage = Float32Array.from(image, (_, j) => central(image, j, 0.05, (v) => loss(v, boxes)));
    expectClose(dImage, fdImage, {rtol: 1e-3, atol: 1e-3}, 'image gradient');
    // 2e-3 of a box side moves a sample at most 0.02 px: it stays clear of every kink.
    const fdBoxes = Float32Array.from(boxes, (_, j) => central(boxes, j, 2e-3, (v) => loss(image, v)));
    if (method === 'nearest') {
      expect(Array.from(dBoxes)).toEqual(new Array(boxes.length).fill(0));
    } else {
      expect(dBoxes.some((v) => Math.abs(v) > 0.1), 'a boxes gradient that is not all ~0').toBe(true);
      expectClose(dBoxes, fdBoxes, {rtol: 5e-3, atol: 5e-3}, 'boxes gradient');
    }
  });
});

describe('CropAndResize: non-finite boxes and bad arguments', () => {
  test('on cpu, NaN and infinite box edges give the extrapolation value or pixels, never a crash', async () => {
    await useBackend('cpu');
    const image = tf.tensor4d(randomArray(rng(3), 2 * 4 * 5 * 2), [2, 4, 5, 2]);
    const pixels = new Set(image.dataSync());
    for (const bad of [NaN, Infinity, -Infinity, 3e38]) {
      for (const method of METHODS) {
        const boxes = tf.tensor2d([[0, 0, bad, 1], [bad, bad, bad, bad], [-bad, 0.2, bad, 0.7]]);
        const values = tf.image.cropAndResize(image, boxes, [0, 1, 1], [3, 4], method, 0.25).dataSync();
        for (const v of values) {
          expect(v === 0.25 || method === 'bilinear' || pixels.has(v), `${bad}, ${method}: ${v}`).toBe(true);
          expect(Number.isFinite(v), `${bad}, ${method}: ${v}`).toBe(true);
        }
        const [dImage, dBoxes] = tf.grads((x: tf.Tensor, b: tf.Tensor) => tf.image.cropAndResize(x as tf.Tensor4D,
            b as tf.Tensor2D, [0, 1, 1], [3, 4], method, 0.25))([image, boxes]);
        expect(Array.from(dImage.dataSync()).every(Number.isFinite)).toBe(true);
        expect(Array.from(dBoxes.dataSync()).every(Number.isFinite)).toBe(true);
      }
    }
  });

  test('on tensorflow, TensorFlow\'s own op rejects non-finite boxes', async () => {
    await useBackend('tensorflow');
    const image = tf.zeros([1, 3, 3, 1]) as tf.Tensor4D;
    expect(() => tf.image.cropAndResize(image, tf.tensor2d([[0, 0, NaN, 1]]), [0], [2, 2])).toThrow(
        'Boxes contains at least one element that is not finite');
  });

  test('TensorFlow\'s boxes gradient op rejects \'nearest\' (so our backward gives the boxes zeros there)', async () => {
    const k = caseFor(rng(8), SHAPES[0]);
    const dy = new Float32Array(dyShape(k).reduce((a, b) => a * b));
    await expect(tensorflowOp('CropAndResizeGradBoxes', (b) => [typeAttr(b), methodAttr(b, 'nearest')],
        () => [tf.tensor(dy, dyShape(k)), tf.tensor(k.image, k.shape), tf.tensor2d(k.boxes, [k.boxInd.length, 4]),
          tf.tensor1d(k.boxInd, 'int32')])).rejects.toThrow(
        'attr \'method\' of "nearest" is not in the list of allowed values: "bilinear"');
  });

  test.each(BACKEND_NAMES)('bad arguments fail before native code, naming the argument (%s)', async (backendName) => {
    await useBackend(backendName);
    const image = tf.zeros([2, 3, 3, 1]) as tf.Tensor4D;
    const boxes = tf.tensor2d([[0, 0, 1, 1]]);
    const boxInd = tf.tensor1d([1], 'int32');
    const dy = tf.zeros([1, 2, 2, 1]);
    // Our backward kernel on both backends; the forward's kernel on 'cpu'.
    const kernels: [string, Record<string, tf.Tensor>, Record<string, unknown>][] = [
      ['StnCropAndResizeGrad', {dy, image, boxes, boxInd}, {computeImageGrad: true, computeBoxesGrad: true}],
    ];
    if (backendName === 'cpu') kernels.push(['CropAndResize', {image, boxes, boxInd}, {}]);
    for (const [name, inputs, extra] of kernels) {
      const run = (attrs: Record<string, unknown>, replaced: Record<string, tf.Tensor> = {}) => () =>
        tf.engine().runKernel(name, {...inputs, ...replaced},
            {method: 'bilinear', extrapolationValue: 0, cropSize: [2, 2], ...extra, ...attrs} as tf.NamedAttrMap);
      expect(run({method: 'bicubic'})).toThrow(
          "cropAndResize: method must be one of 'bilinear', 'nearest', but got 'bicubic'");
      expect(run({extrapolationValue: '0'})).toThrow("cropAndResize: extrapolationValue must be a number, but got '0'");
      expect(run({cropSize: [2, 0]})).toThrow(
          'cropAndResize: cropSize must be [cropHeight, cropWidth] of positive integers, but got [number 2, number 0]');
      expect(run({cropSize: [2.5, 2]})).toThrow('cropAndResize: cropSize must be [cropHeight, cropWidth]');
      expect(run({}, {image: tf.zeros([3, 3, 1])})).toThrow(
          'cropAndResize: image must be a 4-D tensor [N, H, W, C], but got [number 3, number 3, number 1]');
      expect(run({}, {boxes: tf.zeros([1, 3])})).toThrow(
          "cropAndResize: boxes must be a float32 tensor [numBoxes, 4], but got 'float32 [1,3]'");
      expect(run({}, {boxInd: tf.tensor1d([0, 1], 'int32')})).toThrow(
          "cropAndResize: boxInd must be an int32 tensor [1] (one per box), but got 'int32 [2]'");
      if (backendName === 'cpu') {
        expect(run({}, {boxInd: tf.tensor1d([2], 'int32')})).toThrow(
            'cropAndResize: boxInd[0] must be an image index in [0, 2), but got number 2');
      }
    }
    // tfjs's own op checks come first.
    expect(() => tf.image.cropAndResize(image, tf.zeros([1, 3]) as tf.Tensor2D, boxInd, [2, 2])).toThrow(
        'boxes must be have size [1,4]');
  });

  test('the addon checks its arguments', () => {
    const f = new Float32Array(4), i = Int32Array.of(0);
    expect(() => native.cropAndResizeForward(f, f, Int32Array.of(1), f, [1, 2, 2, 1, 1, 2, 2], 0, 0)).toThrow(
        'cropAndResizeForward: boxInd[0] must be in [0, 1) but got 1');
    expect(() => native.cropAndResizeForward(f, f, Int32Array.of(-1), f, [1, 2, 2, 1, 1, 2, 2], 0, 0)).toThrow(
        'boxInd[0] must be in [0, 1) but got -1');
    expect(() => native.cropAndResizeForward(f, f, new Int32Array(2), f, [1, 2, 2, 1, 1, 2, 2], 0, 0)).toThrow(
        'cropAndResizeForward: boxInd must have 1 int32 elements but has 2');
    expect(() => native.cropAndResizeForward(f, f, f as unknown as Int32Array, f, [1, 2, 2, 1, 1, 2, 2], 0, 0))
        .toThrow('cropAndResizeForward: boxInd must be an Int32Array but got a Float32Array');
    expect(() => native.cropAndResizeForward(f, f, i, f, [1, 2, 2, 1, 1, 2, 2], 2, 0)).toThrow(
        'cropAndResizeForward: method must be 0 (bilinear) or 1 (nearest) but got 2 (bicubic)');
    expect(() => native.cropAndResizeBackward(f, f, f, i, f, new Float32Array(3), [1, 2, 2, 1, 1, 2, 2], 0))
        .toThrow('cropAndResizeBackward: gradBoxes must have 4 float32 elements');
  });
});
