// The training job's models: the stock-tfjs composite sampler against the
// native kernels, models as pure functions of their seed, the two sampler
// builds of one model agreeing, and the pictures.
import * as tf from '@tensorflow/tfjs-node';
import {beforeAll, describe, expect, test} from 'vitest';

import {affineGrid, gridSample} from '../lib';
import {compositeAffineGrid, compositeGridSample} from '../lib/train/composite';
import {MODEL_NAMES, buildModel, transformerModel} from '../lib/train/models';
import {errorPlot, transformFigure} from '../lib/train/png';
import {learningRate} from '../lib/train/trainer';
import {expectClose, rng, useBackend} from './helpers';

beforeAll(() => useBackend('tensorflow'));

describe('composite sampler', () => {
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

describe('models', () => {
  const input = tf.randomUniform([3, 42, 42, 1], 0, 1, 'float32', 5);
  const options = {inputSize: 42, transform: 'affine' as const, sampler: 'native' as const, stSize: 28, seed: 9};

  test.each(MODEL_NAMES)('%s: logits [N, 10], the same weights for the same seed', (name) => {
    const a = buildModel({...options, model: name});
    const b = buildModel({...options, model: name});
    const c = buildModel({...options, model: name, seed: 10});
    expect((a.predict(input) as tf.Tensor).shape).toEqual([3, 10]);
    const flat = (m: tf.LayersModel) => m.getWeights().flatMap((w) => Array.from(w.dataSync()));
    expect(flat(a)).toEqual(flat(b));
    expect(flat(a)).not.toEqual(flat(c));
    const st = transformerModel(a);
    expect(st === null).toBe(!name.includes('st'));
  });

  test.each(['affine', 'attention', 'projective', 'tps'] as const)(
      '%s transformers start at the identity, and both sampler builds agree', (transform) => {
        const native = buildModel({...options, model: 'st-cnn', transform, stSize: 42});
        const composite = buildModel({...options, model: 'st-cnn', transform, stSize: 42, sampler: 'composite'});
        expect(composite.getWeights().map((w) => w.shape)).toEqual(native.getWeights().map((w) => w.shape));
        const warped = transformerModel(native)!.predict(input) as tf.Tensor;
        expectClose(warped.dataSync(), input.dataSync(), {atol: 1e-5}, 'identity');
        expectClose((composite.predict(input) as tf.Tensor).dataSync(),
            (native.predict(input) as tf.Tensor).dataSync(), {rtol: 1e-4, atol: 1e-5}, 'logits');
      });
});

describe('pictures', () => {
  test('the figure and the plot encode as PNGs of the expected size', async () => {
    const panel = (size: number) => ({pixels: new Float32Array(4 * size * size).fill(0.5), height: size, width: size});
    const figure = transformFigure([panel(42), panel(28)], 4, 2, 2);
    const png = await figure.png();
    expect(Array.from(png.subarray(1, 4))).toEqual([0x50, 0x4e, 0x47]);  // "PNG"
    const decoded = tf.node.decodePng(png, 3);
    expect(decoded.shape).toEqual([figure.height, figure.width, 3]);
    const plot = errorPlot([0.9, 0.5, 0.2], [0.8, 0.4, 0.25]);
    expect(tf.node.decodePng(await plot.png(), 3).shape).toEqual([320, 480, 3]);
  });
});

describe('learning-rate schedule', () => {
  test('constant keeps --lr; cosine starts at --lr and falls towards 0 by the last epoch', () => {
    const config = {lr: 0.002, epochs: 10};
    expect(learningRate({...config, lrSchedule: 'constant'}, 7)).toBe(0.002);
    expect(learningRate(config, 7)).toBe(0.002);  // runs saved before the option
    const cosine = Array.from({length: 10}, (_, e) => learningRate({...config, lrSchedule: 'cosine'}, e));
    expect(cosine[0]).toBe(0.002);
    expect(cosine[5]).toBeCloseTo(0.001, 12);
    for (let e = 1; e < 10; e++) expect(cosine[e]).toBeLessThan(cosine[e - 1]);
    expect(cosine[9]).toBeLessThan(0.0001);
  });
});
