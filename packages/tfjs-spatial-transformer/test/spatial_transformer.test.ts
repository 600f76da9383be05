// The SpatialTransformer layer in tf.sequential and functional models, on each
// backend: identity at step 0, save/load round trips, parallel and cascaded
// transformers, end-to-end training, and configuration errors.
import * as tf from '@tensorflow/tfjs-node';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {afterAll, beforeAll, describe, expect, test, vi} from 'vitest';

import {affineGrid, AffineSample, gridSample, GridSample, SpatialTransformer, spatialTransformer, SpatialTransformerConfig,
  tpsControlPoints, TransformName} from '../lib';
import {BACKEND_NAMES, expectBitwise, expectClose, literally, MODES, PADDINGS, quotedList, spyNativeKernel,
  useBackend} from './helpers';

const TRANSFORMS: TransformName[] = ['affine', 'attention', 'projective', 'tps'];
const IDENTITY: Record<TransformName, number[]> = {
  affine: [1, 0, 0, 0, 1, 0],
  attention: [1, 0, 0],
  projective: [1, 0, 0, 0, 1, 0, 0, 0],
  tps: tpsControlPoints().flat(),
};

/** 4×4 bright squares centred at (6 + dx, 6 + dy) on dark 12×12 images. */
function squares(shifts: [number, number][]): tf.Tensor4D {
  const data = new Float32Array(shifts.length * 144);
  shifts.forEach(([dx, dy], n) => {
    for (let y = 4 + dy; y < 8 + dy; y++) for (let x = 4 + dx; x < 8 + dx; x++) data[n * 144 + y * 12 + x] = 1;
  });
  return tf.tensor4d(data, [shifts.length, 12, 12, 1]);
}

/** Adds N(0, sigma) noise to every weight of `layer`, so its output depends on its input. */
function perturb(layer: tf.layers.Layer, sigma = 0.05): void {
  tf.tidy(() => layer.setWeights(layer.getWeights().map((w, i) =>
    tf.add(w, tf.randomNormal(w.shape, 0, sigma, 'float32', 17 + i)))));
}

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stn-layer-'));
});
afterAll(() => fs.rmSync(tmp, {recursive: true, force: true}));

describe.each(BACKEND_NAMES)('SpatialTransformer on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  describe.each(TRANSFORMS)('transform %s', (transform) => {
    test('in tf.sequential it is the identity at step 0', () => {
      const x = tf.randomUniform([3, 8, 10, 2], 0, 1, 'float32', 1) as tf.Tensor4D;
      const model = tf.sequential({layers: [spatialTransformer({inputShape: [8, 10, 2], transform})]});
      expect(model.outputs[0].shape).toEqual([null, 8, 10, 2]);
      expectClose((model.predict(x) as tf.Tensor).dataSync(), x.dataSync(), {rtol: 0, atol: 5e-5}, 'output');
    });

    test('in a functional model, with outputSize and returnTheta, it resamples at the identity', () => {
      const x = tf.randomUniform([2, 8, 10, 2], 0, 1, 'float32', 2) as tf.Tensor4D;
      const input = tf.input({shape: [8, 10, 2]});
      const layer = spatialTransformer({transform, outputSize: [5, 13], returnTheta: true, localization: 'conv'});
      const [warped, theta] = layer.apply(input) as tf.SymbolicTensor[];
      expect(warped.shape).toEqual([null, 5, 13, 2]);
      expect(theta.shape).toEqual([null, IDENTITY[transform].length]);
      const model = tf.model({inputs: input, outputs: [warped, theta]});
      const [out, params] = model.predict(x) as tf.Tensor[];
      const expected = gridSample(x, affineGrid(tf.tensor3d([[[1, 0, 0], [0, 1, 0]], [[1, 0, 0], [0, 1, 0]]]),
          [2, 5, 13, 2]));
      expectClose(out.dataSync(), expected.dataSync(), {rtol: 0, atol: 5e-5}, 'output');
      expectClose(params.dataSync(), [...IDENTITY[transform], ...IDENTITY[transform]], {rtol: 0, atol: 1e-7},
          'theta');
    });
  });

  // Each transform with a different localisation net: the built-ins, a user's
  // tf.sequential, a user's functional model (and custom control points).
  const roundTrips: [string, () => SpatialTransformerConfig][] = [
    ['affine, fc', () => ({transform: 'affine', localization: 'fc', paddingMode: 'border'})],
    ['attention, conv', () => ({transform: 'attention', localization: 'conv', outputSize: [6, 7], mode: 'nearest'})],
    ['affine, a user layer not built yet', () => ({localization: tf.layers.conv2d({filters: 2, kernelSize: 3,
      strides: 2})})],
    ['projective, a user tf.sequential', () => ({transform: 'projective', alignCorners: true,
      localization: tf.sequential({layers: [
        tf.layers.conv2d({inputShape: [8, 10, 2], filters: 3, kernelSize: 3, activation: 'relu'}),
        tf.layers.globalAveragePooling2d({}),
      ]})})],
    ['tps (written TPS), a user functional model', () => {
      const input = tf.input({shape: [8, 10, 2]});
      const hidden = tf.layers.dense({units: 5, activation: 'tanh'}).apply(
          tf.layers.flatten().apply(input)) as tf.SymbolicTensor;
      return {transform: 'TPS' as TransformName, localization: tf.model({inputs: input, outputs: hidden}),
        controlPoints: [[-1, -1], [1, -1], [0, 0.2], [-1, 1], [1, 1]], paddingMode: 'reflection'};
    }],
  ];
  test.each(roundTrips)('save and load round-trip (%s) with identical predictions', async (label, config) => {
    const x = tf.randomUniform([2, 8, 10, 2], 0, 1, 'float32', 3) as tf.Tensor4D;
    const model = tf.sequential({layers: [
      spatialTransformer({inputShape: [8, 10, 2], ...config()}),
      tf.layers.flatten(),
      tf.layers.dense({units: 3}),
    ]});
    perturb(model.layers[0]);
    const before = (model.predict(x) as tf.Tensor).dataSync() as Float32Array;
    const dir = path.join(tmp, `${backend}-${label.replace(/\W+/g, '_')}`);
    await model.save(`file://${dir}`);
    const loaded = await tf.loadLayersModel(`file://${dir}/model.json`);
    const layer = loaded.layers[0] as SpatialTransformer;
    expect(layer).toBeInstanceOf(SpatialTransformer);
    expect(layer.getConfig()).toEqual(model.layers[0].getConfig());
    expect(layer.weights.length).toBe(model.layers[0].weights.length);
    expect(layer.weights.length).toBeGreaterThan(2);
    expectBitwise((loaded.predict(x) as tf.Tensor).dataSync() as Float32Array, before, 'predictions');
  });

  test.each([
    ['affine', 'affineSampleForward', AffineSample], ['attention', 'affineSampleForward', AffineSample],
    ['projective', 'gridSampleForward', GridSample], ['tps', 'gridSampleForward', GridSample],
  ] as const)('%s resamples with %s (affine families never store a grid)', (transform, kernel, name) => {
    try {
      const forward = spyNativeKernel(kernel, name);
      const layer = spatialTransformer({transform, inputShape: [6, 6, 1]});
      tf.tidy(() => { layer.apply(tf.ones([2, 6, 6, 1])); });
      expect(forward.count()).toBe(1);
    } finally {
      vi.restoreAllMocks();
    }
  });

  test('the layer tracks its sub-layers\' weights, named under its own name', () => {
    const layer = spatialTransformer({name: 'stn_tracked', inputShape: [6, 6, 1]});
    const model = tf.sequential({layers: [layer]});
    // fc: dense1, dense2 and the regression, each kernel + bias.
    expect(layer.trainableWeights.length).toBe(6);
    expect(model.trainableWeights.length).toBe(6);
    expect(layer.countParams()).toBe(36 * 32 + 32 + 32 * 32 + 32 + 32 * 6 + 6);
    for (const w of layer.weights) expect(w.originalName).toMatch(/^stn_tracked\/stn_tracked_/);
    layer.trainable = false;
    expect(model.trainableWeights.length).toBe(0);
    expect(layer.nonTrainableWeights.length).toBe(6);
  });

  test('parallel transformers (2×ST-CNN) on one input build, train and round-trip', async () => {
    const input = tf.input({shape: [12, 12, 1]});
    const a = spatialTransformer({transform: 'affine', outputSize: [8, 8]}).apply(input) as tf.SymbolicTensor;
    const b = spatialTransformer({transform: 'attention', outputSize: [8, 8], localization: 'conv'})
        .apply(input) as tf.SymbolicTensor;
    const merged = tf.layers.concatenate().apply([a, b]) as tf.SymbolicTensor;
    const features = tf.layers.conv2d({filters: 4, kernelSize: 3, activation: 'relu'}).apply(merged);
    const output = tf.layers.dense({units: 2, activation: 'softmax'}).apply(
        tf.layers.flatten().apply(features)) as tf.SymbolicTensor;
    const model = tf.model({inputs: input, outputs: output});
    model.compile({optimizer: tf.train.sgd(0.1), loss: 'categoricalCrossentropy'});
    const xs = squares([[-2, 0], [2, 0], [0, -2], [0, 2]]);
    const ys = tf.oneHot(tf.tensor1d([0, 1, 0, 1], 'int32'), 2);
    const thetaKernel = () => model.layers[1].weights.find((w) => w.originalName.includes('_theta/kernel'))!
        .read().dataSync().slice();
    const kernelBefore = thetaKernel();
    const history = await model.fit(xs, ys, {epochs: 3, batchSize: 4, verbose: 0});
    expect((history.history.loss as number[]).every(Number.isFinite)).toBe(true);
    expect(thetaKernel().some((v, i) => v !== kernelBefore[i])).toBe(true);
    const dir = path.join(tmp, `${backend}-parallel`);
    await model.save(`file://${dir}`);
    const loaded = await tf.loadLayersModel(`file://${dir}/model.json`);
    expectBitwise((loaded.predict(xs) as tf.Tensor).dataSync() as Float32Array,
        (model.predict(xs) as tf.Tensor).dataSync() as Float32Array, 'predictions');
  });

  test('cascaded transformers, and one on feature maps inside a CNN, build and train', async () => {
    // Seeded readouts and a small step: with tfjs's unseeded defaults and Adam at 0.01, a dense
    // layer over ~100 active inputs could overshoot and end a 4-epoch run above its start (1 CI run in many).
    const init = (seed: number) => tf.initializers.glorotUniform({seed});
    const cascade = tf.sequential({layers: [
      spatialTransformer({inputShape: [12, 12, 1], transform: 'affine', outputSize: [10, 10]}),
      spatialTransformer({transform: 'tps', controlPoints: tpsControlPoints(3, 3)}),
      tf.layers.flatten(),
      tf.layers.dense({units: 1, kernelInitializer: init(1)}),
    ]});
    const cnn = tf.sequential({layers: [
      tf.layers.conv2d({inputShape: [12, 12, 1], filters: 4, kernelSize: 3, activation: 'relu',
        kernelInitializer: init(2)}),
      spatialTransformer({transform: 'projective', localization: 'conv'}),
      tf.layers.maxPooling2d({poolSize: 2}),
      tf.layers.flatten(),
      tf.layers.dense({units: 1, kernelInitializer: init(3)}),
    ]});
    expect(cascade.outputs[0].shape).toEqual([null, 1]);
    expect(cnn.layers[1].outputShape).toEqual([null, 10, 10, 4]);
    const xs = squares([[-2, 0], [2, 1], [1, -2], [0, 2]]);
    const ys = tf.tensor2d([[1], [0], [1], [0]]);
    for (const model of [cascade, cnn]) {
      model.compile({optimizer: tf.train.adam(0.002), loss: 'meanSquaredError'});
      const history = await model.fit(xs, ys, {epochs: 6, batchSize: 4, verbose: 0});
      const losses = history.history.loss as number[];
      expect(losses.every(Number.isFinite)).toBe(true);
      expect(losses[losses.length - 1]).toBeLessThan(losses[0]);
    }
  });

  test('end to end: it learns to centre translated squares', async () => {
    const shifts: [number, number][] = [[-2, 0], [2, 0], [0, -2], [0, 2], [-2, -2], [2, 2], [2, -2], [-2, 2],
      [0, 0]];
    const xs = squares(shifts);
    const ys = squares(shifts.map(() => [0, 0]));
    const input = tf.input({shape: [12, 12, 1]});
    const [warped, theta] = spatialTransformer({transform: 'attention', returnTheta: true})
        .apply(input) as tf.SymbolicTensor[];
    const model = tf.model({inputs: input, outputs: warped});
    const thetaModel = tf.model({inputs: input, outputs: theta});
    model.compile({optimizer: tf.train.adam(0.01), loss: 'meanSquaredError'});
    const history = await model.fit(xs, ys, {epochs: 120, batchSize: 9, verbose: 0});
    const losses = history.history.loss as number[];
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] / 100);
    // Output x reads source x + tx·W/2 px: a square 2 px right needs tx = 2·2/12 = 1/3.
    const params = (thetaModel.predict(squares([[2, 0], [-2, 0], [0, 2], [0, -2]])) as tf.Tensor).arraySync() as
        number[][];
    const expected = [[1, 1 / 3, 0], [1, -1 / 3, 0], [1, 0, 1 / 3], [1, 0, -1 / 3]];
    expectClose(params.flat(), expected.flat(), {rtol: 0, atol: 0.05}, '(s, tx, ty)');
  });

  test('transformRegularizer adds λ·||θ − θ_identity||² to the training loss', async () => {
    const make = (transformRegularizer: number) => {
      const model = tf.sequential({layers: [
        spatialTransformer({inputShape: [6, 6, 1], transformRegularizer, paddingMode: 'border'})]});
      model.compile({optimizer: tf.train.sgd(0), loss: 'meanSquaredError'});
      return model;
    };
    const plain = make(0), regularised = make(2);
    // θ = identity + (0, 0, 0.5, 0, 0, -0.25) for every input.
    const weights = plain.getWeights();
    weights[weights.length - 1] = tf.tensor1d([1, 0, 0.5, 0, 1, -0.25]);
    plain.setWeights(weights);
    regularised.setWeights(weights);
    const x = tf.randomUniform([4, 6, 6, 1], 0, 1, 'float32', 5);
    const fit = async (m: tf.Sequential) => (await m.fit(x, x, {epochs: 1, batchSize: 4, verbose: 0}))
        .history.loss[0] as number;
    expect(await fit(regularised) - await fit(plain)).toBeCloseTo(2 * (0.25 + 0.0625), 5);
    // The penalty is that of the last call, here one outside training.
    const penalty = tf.tidy(() => {
      regularised.apply(x);
      return regularised.calculateLosses()[0].dataSync()[0];
    });
    expect(penalty).toBeCloseTo(2 * 0.3125, 5);
    // A custom loop: the penalty alone pulls θ's bias back toward the identity,
    // d/dθ = λ · 2 (θ − θ_identity): tx 0.5 → 0.5 − 0.1 · 2 · 2 · 0.5 = 0.3.
    tf.train.sgd(0.1).minimize(() => {
      regularised.apply(x);
      return regularised.calculateLosses()[0] as tf.Scalar;
    });
    const bias = regularised.getWeights()[weights.length - 1].dataSync();
    expectClose(bias, [1, 0, 0.3, 0, 1, -0.15], {rtol: 0, atol: 1e-6}, 'bias');
  });

  test('localizationLrScale multiplies the localisation gradients, forward unchanged', () => {
    const make = (localizationLrScale: number) =>
      tf.sequential({layers: [spatialTransformer({inputShape: [6, 6, 1], localizationLrScale})]});
    const plain = make(1), slow = make(0.1);
    perturb(plain.layers[0]);
    slow.setWeights(plain.getWeights());
    const x = tf.randomUniform([2, 6, 6, 1], 0, 1, 'float32', 6);
    const grads = (m: tf.Sequential) => {
      const vars = m.trainableWeights.map((w) => w.read() as tf.Variable);
      const {value, grads} = tf.variableGrads(() => tf.sum(tf.square(m.apply(x) as tf.Tensor)) as tf.Scalar, vars);
      return {value: value.dataSync()[0], grads: vars.map((v) => grads[v.name].dataSync())};
    };
    const a = grads(plain), b = grads(slow);
    expect(b.value).toBe(a.value);
    a.grads.forEach((g, i) => expectClose(b.grads[i], g.map((v) => v * 0.1), {rtol: 1e-4, atol: 1e-7},
        `weight ${i}`));
    expect(a.grads.some((g) => g.some((v) => v !== 0))).toBe(true);
  });

  test('a forward and backward pass through the layer leaves no tensor behind', () => {
    const model = tf.sequential({layers: [spatialTransformer({inputShape: [6, 6, 2], transform: 'tps',
      controlPoints: tpsControlPoints(3, 3), transformRegularizer: 1, localizationLrScale: 0.5})]});
    const x = tf.randomUniform([2, 6, 6, 2]);
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const run = () => tf.tidy(() => {
      tf.variableGrads(() => tf.add(tf.sum(model.apply(x) as tf.Tensor), model.calculateLosses()[0]) as tf.Scalar,
          vars);
    });
    run();  // warm-up; the layer keeps its last θ for the penalty, replaced on each call
    const before = tf.memory().numTensors;
    run();
    expect(tf.memory().numTensors).toBe(before);
  });

  const badConfigs: [string, () => unknown, RegExp][] = [
    ['an unknown transform', () => spatialTransformer({transform: 'rotation' as never}),
      /SpatialTransformer: transform must be one of 'affine', 'attention', 'projective', 'tps', but got 'rotation'/],
    ['outputSize [0, 4]', () => spatialTransformer({outputSize: [0, 4]}),
      /SpatialTransformer: outputSize must be an array of 2 or 3 positive integers \[Ho, Wo\] or \[Do, Ho, Wo\], but got \[number 0, number 4\]/],
    ['outputSize [2.5, 4]', () => spatialTransformer({outputSize: [2.5, 4]}),
      /SpatialTransformer: outputSize must be an array of 2 or 3 positive integers/],
    ['outputSize [4]', () => spatialTransformer({outputSize: [4] as never}),
      /SpatialTransformer: outputSize must be an array of 2 or 3 positive integers/],
    ['λ < 0', () => spatialTransformer({transformRegularizer: -0.1}),
      /SpatialTransformer: transformRegularizer must be a finite number >= 0, but got number -0.1/],
    ['λ NaN', () => spatialTransformer({transformRegularizer: NaN}),
      /SpatialTransformer: transformRegularizer must be a finite number >= 0/],
    ['a zero lr scale', () => spatialTransformer({localizationLrScale: 0}),
      /SpatialTransformer: localizationLrScale must be a finite number > 0, but got number 0/],
    ['an unknown localisation', () => spatialTransformer({localization: 'rnn' as never}),
      /SpatialTransformer: localization must be one of 'fc', 'conv', but got 'rnn'/],
    ['a number as localisation', () => spatialTransformer({localization: 42 as never}),
      /SpatialTransformer: localization must be 'fc', 'conv', a tfjs Layer or LayersModel/],
    ['a localisation Layer already built', () => {
      const dense = tf.layers.dense({units: 4});
      dense.apply(tf.input({shape: [3]}));
      return spatialTransformer({localization: dense});
    }, /SpatialTransformer: localization must be a LayersModel, or a Layer not built yet .*but got 'the built layer/],
    ['an unregistered localisation class', () =>
      spatialTransformer({localization: {className: 'NoSuchLayer', config: {}}}),
      /SpatialTransformer: localization must name a registered tfjs class, but got className 'NoSuchLayer'/],
    ['an unknown mode', () => spatialTransformer({mode: 'cubic' as never}),
      literally(`SpatialTransformer: mode must be one of ${quotedList(MODES)}, but got 'cubic'`)],
    ['an unknown paddingMode', () => spatialTransformer({paddingMode: 'mirror' as never}),
      literally(`SpatialTransformer: paddingMode must be one of ${quotedList(PADDINGS)}, but got 'mirror'`)],
    ['returnTheta a string', () => spatialTransformer({returnTheta: 'yes' as never}),
      /SpatialTransformer: returnTheta must be a boolean, but got 'yes'/],
    ['alignCorners a number', () => spatialTransformer({alignCorners: 1 as never}),
      /SpatialTransformer: alignCorners must be a boolean, but got number 1/],
    ['a config that is not an object', () => spatialTransformer('affine' as never),
      /SpatialTransformer: config must be an object, but got 'affine'/],
    ['controlPoints without tps', () => spatialTransformer({controlPoints: tpsControlPoints(2, 2)}),
      /SpatialTransformer: controlPoints must be unset unless transform is 'tps'/],
    ['collinear controlPoints', () =>
      spatialTransformer({transform: 'tps', controlPoints: [[0, 0], [0.5, 0.5], [1, 1]]}),
      /SpatialTransformer: controlPoints must hold at least 3 distinct points, not all on one line/],
    ['a misspelt option', () => spatialTransformer({outputShape: [4, 4]} as never),
      /SpatialTransformer: unknown option 'outputShape'/],
    ['an input of rank 3 (at build)', () => tf.sequential({layers: [spatialTransformer({inputShape: [8, 8]})]}),
      /SpatialTransformer: input shape must be \[N, H, W, C\] \(or a volume \[N, D, H, W, C\]\) with every dim after N known and > 0/],
    ['an input of unknown size (at build)', () =>
      tf.sequential({layers: [spatialTransformer({inputShape: [null, null, 1] as never})]}),
      /SpatialTransformer: input shape must be \[N, H, W, C\] \(or a volume \[N, D, H, W, C\]\) with every dim after N known/],
    ['a localisation net with an empty output (at build)', () => tf.sequential({layers: [
      spatialTransformer({inputShape: [8, 8, 1], localization: tf.layers.cropping2D({cropping: [[4, 4], [0, 0]]})}),
    ]}), /SpatialTransformer: localization must be a net whose output, flattened, has a known size > 0 per example/],
  ];
  test.each(badConfigs)('rejects %s, naming the option', (_, make, message) => {
    expect(make).toThrow(message);
  });
});
