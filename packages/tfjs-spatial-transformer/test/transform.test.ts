// tfjs's Transform kernel (tf.image.transform), as the package registers it
// on both backends: TensorFlow's own ImageProjectiveTransformV3 (run through
// tfjs-node's backend) is the oracle, in every interpolation × fill mode,
// batch 1 and > 1, shared and per-image transforms, smaller and larger
// outputs, singular and near-singular transforms and points at infinity;
// tfjs-backend-cpu's stock kernel agrees on batch item 0; the gradients
// (image, transforms) match central finite differences; the threaded kernels
// match the scalar reference; bad input fails before native code.
import * as tf from '@tensorflow/tfjs-node';
import {beforeAll, describe, expect, test} from 'vitest';

import {native, TransformShape} from '../lib/native';
import {useTensorflowOps} from '../lib/tensorflow_ops';
import {FILL_MODES, FillMode} from '../lib/vocabulary';
import {BACKEND_NAMES, expectBitwise, expectClose, randomArray, rng, useBackend} from './helpers';

// tfjs-backend-cpu's own kernel, captured before the package replaces it
// (importing it registers the kernels).
let stockCpuTransform: tf.KernelFunc;
beforeAll(async () => {
  stockCpuTransform = tf.getKernel('Transform', 'cpu')!.kernelFunc;
  await import('../lib');
});

const INTERPOLATIONS = ['bilinear', 'nearest'] as const;
type Interp = typeof INTERPOLATIONS[number];
const CASES = INTERPOLATIONS.flatMap((interpolation) => FILL_MODES.map((fillMode) => ({interpolation, fillMode})));

interface NodeBackend {
  executeSingleOutput(name: string, attrs: unknown[], inputs: tf.Tensor[]): tf.Tensor;
  binding: {TF_ATTR_STRING: number, TF_ATTR_TYPE: number, TF_FLOAT: number};
}

/** TensorFlow's ImageProjectiveTransformV3 on the 'tensorflow' backend, as arrays. */
async function tensorflowOp(image: Float32Array, shape: number[], transforms: Float32Array,
    interpolation: Interp, fillMode: FillMode, fillValue: number, out: [number, number]): Promise<Float32Array> {
  const previous = tf.getBackend();
  await useBackend('tensorflow');
  const backend = tf.backend() as unknown as NodeBackend;
  const b = backend.binding;
  const result = tf.tidy(() => backend.executeSingleOutput('ImageProjectiveTransformV3', [
    {name: 'dtype', type: b.TF_ATTR_TYPE, value: b.TF_FLOAT},
    {name: 'interpolation', type: b.TF_ATTR_STRING, value: interpolation.toUpperCase()},
    {name: 'fill_mode', type: b.TF_ATTR_STRING, value: fillMode.toUpperCase()},
  ], [tf.tensor(image, shape), tf.tensor(transforms, [transforms.length / 8, 8]), tf.tensor1d(out, 'int32'),
    tf.scalar(fillValue)]).dataSync() as Float32Array);
  await useBackend(previous);
  return result;
}

function ours(image: Float32Array, shape: number[], transforms: Float32Array, interpolation: Interp,
    fillMode: FillMode, fillValue: number, out: [number, number]|null): Float32Array {
  return tf.tidy(() => tf.image.transform(tf.tensor4d(image, shape as [number, number, number, number]),
      tf.tensor2d(transforms, [transforms.length / 8, 8]), interpolation, fillMode, fillValue,
      out ?? undefined).dataSync() as Float32Array);
}

/**
 * Transforms of every kind, one row of 8 each: near-identity affine and
 * projective ones (some scaled up, some rotated far out of the image), a
 * singular one (all source points on a line), a near-singular one, and one
 * with a point at infinity (k = 0 at output x = 2).
 */
function transformsFor(random: () => number, count: number, h: number, w: number, kindCount = 6): Float32Array {
  const rows: number[][] = [];
  const kinds = [
    () => [1 + 0.3 * (random() - 0.5), 0.4 * (random() - 0.5), w * (random() - 0.5),
      0.4 * (random() - 0.5), 1 + 0.3 * (random() - 0.5), h * (random() - 0.5), 0, 0],
    () => [0.6 + random(), random() - 0.5, 2 * w * (random() - 0.5), random() - 0.5, 0.6 + random(),
      2 * h * (random() - 0.5), 0.1 * (random() - 0.5), 0.1 * (random() - 0.5)],
    () => [Math.cos(2), -Math.sin(2), 3 * w * random(), Math.sin(2), Math.cos(2), -h * random(), 0, 0],
    () => [0.5, 1, 0.3, 1, 2, -0.7, 0, 0],  // singular
    () => [1, 0.01, 0.2, 0.3, 0.97, 0.1, -0.33, 0.02],  // k close to 0 near x = 3
    () => [0.9, 0.1, 0.3, 0.2, 1.1, -0.1, -0.5, 0],  // k = 0 at x = 2
  ];
  for (let i = 0; i < count; i++) rows.push(kinds[Math.floor(random() * kindCount)]());
  return Float32Array.from(rows.flat());
}

// [N, H, W, C, Ho, Wo, transforms' N]: batch 1 and > 1, shared and per-image,
// smaller and larger outputs, C = 1, 3 and 5; rows of several vectors and a
// tail (the native vector rows take 8 or 16 pixels at a time).
const SHAPES = [[1, 6, 7, 3, 6, 7, 1], [3, 5, 6, 1, 7, 9, 3], [4, 7, 5, 5, 4, 3, 1], [2, 1, 6, 2, 3, 8, 2],
  [2, 12, 40, 3, 10, 37, 2], [1, 9, 33, 4, 6, 41, 1]] as const;

describe.each(BACKEND_NAMES)('Transform on %s', (backendName) => {
  beforeAll(() => useBackend(backendName));

  describe.each(CASES)('$interpolation, $fillMode', ({interpolation, fillMode}) => {
    test.each(SHAPES.map((s, i) => [i, s] as const))('equals TensorFlow\'s ImageProjectiveTransformV3 (shape %i)',
        async (i, [n, h, w, c, ho, wo, tn]) => {
      const random = rng(100 + i);
      for (let trial = 0; trial < 4; trial++) {
        const image = randomArray(random, n * h * w * c, -2, 2);
        const transforms = transformsFor(random, tn, h, w);
        const fillValue = trial % 2 === 0 ? 0 : -1.5;
        const expected = await tensorflowOp(image, [n, h, w, c], transforms, interpolation, fillMode, fillValue, [ho, wo]);
        const actual = ours(image, [n, h, w, c], transforms, interpolation, fillMode, fillValue, [ho, wo]);
        expectClose(actual, expected, {rtol: 1e-5, atol: 1e-5}, `trial ${trial}, transforms [${transforms}]`);
      }
    });
  });

  test.each(FILL_MODES)('nearest ties (source coordinates at and within an ulp of k + 0.5) round as TensorFlow\'s op, %s',
      async (fillMode) => {
    const [n, h, w, c] = [1, 6, 40, 2];
    const image = randomArray(rng(5), n * h * w * c);
    // Exact ties (0.5 offsets, half scales), ties after a projective division,
    // and points one float step either side of a tie.
    const ties = [
      [1, 0, 0.5, 0, 1, 0.5, 0, 0], [1, 0, -0.5, 0, 1, -1.5, 0, 0], [0.5, 0, 0, 0, 0.5, 0.25, 0, 0],
      [1.5, 0, -2.5, 0, -0.5, 3.5, 0, 0], [1, 0, 0.5, 0, 1, 0.5, 0.25, 0], [3, 0, 1.5, 0, 3, 1.5, 0, 1],
      [1, 0, 0.5 + 2 ** -24, 0, 1, 0.5 - 2 ** -24, 0, 0], [0.1, 0.7, 0.35, 0.3, 0.1, 0.45, 0, 0],
    ];
    for (const row of ties) {
      const transforms = Float32Array.from(row);
      const expected = await tensorflowOp(image, [n, h, w, c], transforms, 'nearest', fillMode, -1, [9, 37]);
      expectBitwise(ours(image, [n, h, w, c], transforms, 'nearest', fillMode, -1, [9, 37]), expected, `[${row}]`);
    }
  });

  test('outputShape defaults to the image size', async () => {
    const random = rng(7);
    const image = randomArray(random, 2 * 5 * 4 * 3);
    const transforms = Float32Array.of(1, 0.2, -0.5, 0.1, 1, 0.7, 0.01, 0);
    const expected = await tensorflowOp(image, [2, 5, 4, 3], transforms, 'bilinear', 'reflect', 0, [5, 4]);
    expectClose(ours(image, [2, 5, 4, 3], transforms, 'bilinear', 'reflect', 0, null), expected,
        {rtol: 1e-5, atol: 1e-5}, 'output');
  });

  test('every image of a batch is transformed (tfjs-backend-cpu 4.22 leaves all but the first at 0)', () => {
    const image = tf.ones([2, 4, 4, 1]) as tf.Tensor4D;
    const out = tf.image.transform(image, tf.tensor2d([[1, 0, 0, 0, 1, 0, 0, 0]]), 'bilinear');
    expect(Array.from(out.dataSync())).toEqual(new Array(32).fill(1));
  });

  test('NaN and infinite transforms give fill values or pixels, never a crash', () => {
    const image = tf.tensor4d(randomArray(rng(3), 2 * 4 * 5 * 2), [2, 4, 5, 2]) as tf.Tensor4D;
    for (const bad of [NaN, Infinity, -Infinity, 3e38]) {
      for (const {interpolation, fillMode} of CASES) {
        const t = tf.tensor2d([[1, 0, bad, 0, 1, 0, 0, 0], [bad, bad, bad, bad, bad, bad, bad, bad]]);
        const values = tf.image.transform(image, t, interpolation, fillMode, 0.25).dataSync();
        const pixels = new Set(image.dataSync());
        for (const v of values) expect(v === 0.25 || pixels.has(v), `${bad}, ${interpolation}, ${fillMode}: ${v}`).toBe(true);
      }
    }
  });

  test('bad arguments fail before native code, naming the argument', () => {
    const image = tf.zeros([1, 3, 3, 1]) as tf.Tensor4D;
    const t = tf.tensor2d([[1, 0, 0, 0, 1, 0, 0, 0]]);
    const run = (attrs: Record<string, unknown>) => () => tf.engine().runKernel('Transform', {image, transforms: t},
        {interpolation: 'bilinear', fillMode: 'constant', fillValue: 0, ...attrs} as unknown as tf.NamedAttrMap);
    expect(run({interpolation: 'bicubic'})).toThrow("transform: interpolation must be one of 'bilinear', 'nearest'");
    expect(run({fillMode: 'zeros'})).toThrow("transform: fillMode must be one of 'constant', 'reflect', 'wrap', 'nearest'");
    expect(run({fillValue: '0'})).toThrow('transform: fillValue must be a number');
    expect(run({outputShape: [2, -1]})).toThrow('transform: outputShape must be [height, width] of non-negative integers');
    expect(() => tf.engine().runKernel('Transform', {image, transforms: tf.zeros([2, 8])},
        {interpolation: 'bilinear', fillMode: 'constant', fillValue: 0})).toThrow(
        'transform: transforms must be a float32 tensor [1, 8], but got "float32 [2,8]"');
    expect(() => tf.image.transform(image, tf.zeros([1, 6]))).toThrow('Input transform should be batch x 8 or 1 x 8');
  });
});

describe('Transform on cpu against tfjs-backend-cpu\'s own kernel (batch item 0)', () => {
  beforeAll(() => useBackend('cpu'));

  test.each(CASES)('$interpolation, $fillMode', ({interpolation, fillMode}) => {
    const random = rng(11);
    const [n, h, w, c] = [2, 6, 5, 3];
    for (let trial = 0; trial < 5; trial++) {
      const image = tf.tensor4d(randomArray(random, n * h * w * c), [n, h, w, c]);
      // Mild random affine and projective transforms: no source coordinate
      // lands within float rounding of a rounding tie, with probability ~1.
      // tfjs-backend-cpu computes in float64, TensorFlow (and we) in float32:
      // hence the tolerance.
      const transforms = tf.tensor2d(transformsFor(random, 1, h, w, 2), [1, 8]);
      const attrs = {interpolation, fillMode, fillValue: 0.5, outputShape: [7, 4]};
      const stock = stockCpuTransform({inputs: {image, transforms}, backend: tf.backend(), attrs}) as tf.TensorInfo;
      const expected = (tf.backend().readSync(stock.dataId) as Float32Array).slice(0, 7 * 4 * c);
      tf.backend().disposeData(stock.dataId);
      const actual = (tf.engine().runKernel('Transform', {image, transforms}, attrs) as tf.Tensor).dataSync();
      expectClose(actual.slice(0, 7 * 4 * c), expected, {rtol: 1e-4, atol: 1e-4}, `trial ${trial}`);
    }
  });
});

/**
 * Weights for sum(weights * output) that are 0 at output pixels whose source
 * point (computed in float64) lies within 0.05 px of a multiple of 0.5 on
 * either axis, where the bilinear kernel, the rounding and the fill modes'
 * maps have their kinks: finite differences are then exact up to rounding.
 */
function weightsAwayFromKinks(random: () => number, transforms: Float32Array, n: number, ho: number, wo: number,
    c: number): Float32Array {
  const weights = randomArray(random, n * ho * wo * c);
  const nearKink = (v: number) => Math.abs(2 * v - Math.round(2 * v)) < 0.1;
  for (let b = 0; b < n; b++) {
    const t = transforms.length === 8 ? transforms : transforms.subarray(8 * b, 8 * b + 8);
    for (let y = 0; y < ho; y++) {
      for (let x = 0; x < wo; x++) {
        const k = t[6] * x + t[7] * y + 1;
        const sx = (t[0] * x + t[1] * y + t[2]) / k, sy = (t[3] * x + t[4] * y + t[5]) / k;
        if (Math.abs(k) < 0.2 || nearKink(sx) || nearKink(sy)) {
          weights.fill(0, ((b * ho + y) * wo + x) * c, ((b * ho + y) * wo + x + 1) * c);
        }
      }
    }
  }
  return weights;
}

describe.each(BACKEND_NAMES)('Transform gradients on %s', (backendName) => {
  beforeAll(() => useBackend(backendName));

  describe.each(CASES)('$interpolation, $fillMode', ({interpolation, fillMode}) => {
    test.each([[3, 1], [2, 2]] as const)('image and transforms match finite differences (N %i, transforms %i)',
        (n, tn) => {
      const [h, w, c, ho, wo] = [5, 6, 2, 6, 7];
      const random = rng(20 + n);
      const image = randomArray(random, n * h * w * c);
      const rows: number[] = [];
      for (let i = 0; i < tn; i++) {
        rows.push(0.9 + 0.2 * random(), 0.3 * (random() - 0.5), 5 * (random() - 0.5), 0.3 * (random() - 0.5),
            0.9 + 0.2 * random(), 5 * (random() - 0.5), 0.04 * (random() - 0.5), 0.04 * (random() - 0.5));
      }
      const transforms = Float32Array.from(rows);
      const weights = weightsAwayFromKinks(random, transforms, n, ho, wo, c);
      const f = (x: tf.Tensor, t: tf.Tensor) => tf.image.transform(x as tf.Tensor4D, t as tf.Tensor2D, interpolation,
          fillMode, 0.3, [ho, wo]);
      const x = tf.tensor4d(image, [n, h, w, c]);
      const t = tf.tensor2d(transforms, [tn, 8]);
      const wt = tf.tensor(weights, [n, ho, wo, c]);
      const [dx, dt] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(a, b), wt)))([x, t])
          .map((g) => g.dataSync() as Float32Array);
      const loss = (xs: Float32Array, ts: Float32Array) => tf.tidy(() => {
        const out = f(tf.tensor4d(xs, [n, h, w, c]), tf.tensor2d(ts, [tn, 8])).dataSync();
        let sum = 0;
        for (let i = 0; i < out.length; i++) sum += out[i] * weights[i];
        return sum;
      });
      const central = (values: Float32Array, i: number, eps: number, call: (v: Float32Array) => number) => {
        const plus = Float32Array.from(values), minus = Float32Array.from(values);
        plus[i] += eps;
        minus[i] -= eps;
        return (call(plus) - call(minus)) / (plus[i] - minus[i]);
      };
      const fdImage = Float32Array.from(image, (_, i) => central(image, i, 0.05, (v) => loss(v, transforms)));
      expectClose(dx, fdImage, {rtol: 1e-3, atol: 1e-3}, 'image gradient');
      // Parameters of x' and y' (per pixel), then the projective ones (per pixel squared).
      const eps = [1e-3, 1e-3, 1e-2, 1e-3, 1e-3, 1e-2, 1e-5, 1e-5];
      const fdTransforms = Float32Array.from(transforms, (_, i) => central(transforms, i, eps[i % 8],
          (v) => loss(image, v)));
      if (interpolation === 'nearest') {
        expect(Array.from(dt)).toEqual(new Array(8 * tn).fill(0));
        expectClose(fdTransforms, new Float32Array(8 * tn), {atol: 1e-6}, 'finite differences of nearest');
      } else {
        expectClose(dt, fdTransforms, {rtol: 2e-2, atol: 2e-2}, 'transforms gradient');
      }
    });
  });
});

describe('Transform on tensorflow: the TF-op path and the copying JS path agree', () => {
  beforeAll(() => useBackend('tensorflow'));

  test.each(CASES)('$interpolation, $fillMode: output and both gradients, bit for bit', ({interpolation, fillMode}) => {
    const random = rng(41);
    const x = tf.tensor4d(randomArray(random, 2 * 5 * 6 * 3), [2, 5, 6, 3]);
    const t = tf.tensor2d(transformsFor(random, 2, 5, 6), [2, 8]);
    const dy = tf.tensor4d(randomArray(random, 2 * 4 * 7 * 3), [2, 4, 7, 3]);
    const f = (a: tf.Tensor, b: tf.Tensor) => tf.image.transform(a as tf.Tensor4D, b as tf.Tensor2D, interpolation,
        fillMode, 0.5, [4, 7]);
    const all = () => [f(x, t), ...tf.grads(f)([x, t], dy)].map((r) => r.dataSync() as Float32Array);
    const viaOps = all();
    useTensorflowOps(false);
    try {
      const viaJs = all();
      viaOps.forEach((v, i) => expectBitwise(viaJs[i], v, ['output', 'image gradient', 'transforms gradient'][i]));
    } finally {
      useTensorflowOps(true);
    }
  });
});

describe('the threaded kernels equal the scalar reference', () => {
  test.each(CASES)('$interpolation, $fillMode', ({interpolation, fillMode}) => {
    const random = rng(31);
    for (const [n, h, w, c, ho, wo, tn] of SHAPES) {
      const shape: TransformShape = [n, h, w, c, ho, wo, tn];
      const images = randomArray(random, n * h * w * c);
      const transforms = transformsFor(random, tn, h, w);
      const dy = randomArray(random, n * ho * wo * c);
      const args = [native.Interpolation[interpolation], native.FillMode[fillMode], 0.75] as const;
      const run = (k: typeof native | typeof native.reference) => {
        const out = new Float32Array(n * ho * wo * c).fill(NaN);
        const gi = new Float32Array(images.length).fill(NaN), gt = new Float32Array(transforms.length).fill(NaN);
        k.imageTransformForward(images, transforms, out, shape, ...args);
        k.imageTransformBackward(dy, images, transforms, gi, gt, shape, ...args);
        return [out, gi, gt];
      };
      const [refOut, refGi, refGt] = run(native.reference);
      for (const threads of [1, 2]) {
        native.setNumThreads(threads);
        const [out, gi, gt] = run(native);
        expectBitwise(out, refOut, `output, ${threads} threads`);
        expectBitwise(gi, refGi, `image gradient, ${threads} threads`);
        expectClose(gt, refGt, {rtol: 1e-6, atol: 1e-6}, `transforms gradient, ${threads} threads`);
      }
      native.setNumThreads(0);
    }
  });

  test('the addon checks its arguments', () => {
    const f = new Float32Array(8);
    expect(() => native.imageTransformForward(f, f, f, [1, 2, 2, 2, 2, 2, 1], 2, 0, 0)).toThrow(
        'imageTransformForward: interpolation must be 0 (bilinear) or 1 (nearest) but got 2 (bicubic)');
    expect(() => native.imageTransformForward(f, f, f, [1, 2, 2, 2, 2, 2, 1], 0, 4, 0)).toThrow(
        'imageTransformForward: fillMode must be 0 (constant), 1 (reflect), 2 (wrap) or 3 (nearest) but got 4');
    expect(() => native.imageTransformForward(f, f, f, [2, 2, 2, 1, 2, 2, 3], 0, 0, 0)).toThrow(
        "shape[6] (the transforms' batch size) must be N (2) or 1 but got 3");
    expect(() => native.imageTransformForward(f, new Float32Array(7), f, [1, 2, 2, 2, 2, 2, 1], 0, 0, 0)).toThrow(
        'transforms must have 8 float32 elements');
  });
});
