// The training job's models: models as pure functions of their seed, the two
// sampler builds of one model agreeing, the pictures and the schedule.
import * as tf from '@tensorflow/tfjs-node';
import {beforeAll, describe, expect, test} from 'vitest';

import {TRANSFORMS} from 'tfjs-spatial-transformer';

import {buildModel, transformerModel} from '../src/train/models';
import {MODEL_NAMES, TRANSFORM_NAMES} from '../src/train/names';
import {useOnednn} from '../src/train/onednn';
import {SingleChannelMaxPool} from '../src/train/single_channel_pool';
import {errorPlot, transformFigure} from '../src/train/png';
import {learningRate} from '../src/train/trainer';
import {maxAbsDiff, useBackend} from './helpers';

beforeAll(() => useBackend('tensorflow'));

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

  test('the app names the library\'s transforms', () => {
    expect([...TRANSFORM_NAMES]).toEqual([...TRANSFORMS]);
  });

  test.each(TRANSFORM_NAMES)(
      '%s transformers start at the identity, and both sampler builds agree', (transform) => {
        const native = buildModel({...options, model: 'st-cnn', transform, stSize: 42});
        const composite = buildModel({...options, model: 'st-cnn', transform, stSize: 42, sampler: 'composite'});
        expect(composite.getWeights().map((w) => w.shape)).toEqual(native.getWeights().map((w) => w.shape));
        const warped = transformerModel(native)!.predict(input) as tf.Tensor;
        expect(maxAbsDiff(warped.dataSync(), input.dataSync()), 'identity').toBeLessThan(1e-5);
        expect(maxAbsDiff((composite.predict(input) as tf.Tensor).dataSync(),
            (native.predict(input) as tf.Tensor).dataSync()), 'logits').toBeLessThan(1e-4);
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
    const cosine = Array.from({length: 10}, (_, e) => learningRate({...config, lrSchedule: 'cosine'}, e));
    expect(cosine[0]).toBe(0.002);
    expect(cosine[5]).toBeCloseTo(0.001, 12);
    for (let e = 1; e < 10; e++) expect(cosine[e]).toBeLessThan(cosine[e - 1]);
    expect(cosine[9]).toBeLessThan(0.0001);
  });
});

describe('useOnednn', () => {
  test('once tfjs-node is loaded, the other setting is an error, the same one a no-op', () => {
    const on = process.env.TF_ENABLE_ONEDNN_OPTS === '1';
    expect(() => useOnednn(!on)).toThrow(/was asked for after tfjs-node loaded with TF_ENABLE_ONEDNN_OPTS=/);
    expect(() => useOnednn(on)).not.toThrow();
  });
});

describe('SingleChannelMaxPool', () => {
  test.each([[42, 42], [7, 9]])('%i×%i: the values and the gradient of a 2×2 max pool, bit for bit', (h, w) => {
    const x = tf.randomUniform([5, h, w, 1], -1, 1, 'float32', 3);
    const ours = new SingleChannelMaxPool({});
    const stock = tf.layers.maxPooling2d({poolSize: 2});
    const dy = tf.randomUniform([5, Math.floor(h / 2), Math.floor(w / 2), 1], -1, 1, 'float32', 4);
    expect(ours.computeOutputShape(x.shape)).toEqual(stock.computeOutputShape(x.shape));
    expect((ours.apply(x) as tf.Tensor).dataSync()).toEqual((stock.apply(x) as tf.Tensor).dataSync());
    const grad = (layer: tf.layers.Layer) => tf.grad((t: tf.Tensor) => layer.apply(t) as tf.Tensor)(x, dy).dataSync();
    expect(grad(ours)).toEqual(grad(stock));
    expect(() => ours.apply(tf.zeros([1, 4, 4, 2]))).toThrow(/must have 1 channel, but got 2/);
  });
});
