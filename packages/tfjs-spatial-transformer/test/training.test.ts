// The ops inside tfjs's training machinery: tf.grad(s), variableGrads, tidy,
// optimizer.minimize and model.fit, on each backend, without leaking tensors.
import * as tf from '@tensorflow/tfjs-node';
import {beforeAll, describe, expect, test} from 'vitest';

import {affineGrid, gridSample} from '../lib';
import {BACKEND_NAMES, useBackend} from './helpers';

const IDENTITY = [1, 0, 0, 0, 1, 0];

/** A bright square at (cx, cy) on a dark 12×12 image. */
function squares(centres: [number, number][]): tf.Tensor4D {
  const size = 12;
  const data = new Float32Array(centres.length * size * size);
  centres.forEach(([cx, cy], n) => {
    for (let y = cy - 2; y < cy + 2; y++) {
      for (let x = cx - 2; x < cx + 2; x++) data[(n * size + y) * size + x] = 1;
    }
  });
  return tf.tensor4d(data, [centres.length, size, size, 1]);
}

describe.each(BACKEND_NAMES)('training with the ops on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  test('optimizer.minimize learns the shift that moves a square onto a target', () => {
    const source = squares([[4, 6]]);
    const target = squares([[7, 6]]);
    const theta = tf.variable(tf.tensor3d([[[1, 0, 0], [0, 1, 0]]]));
    const optimizer = tf.train.adam(0.02);
    const loss = () => tf.losses.meanSquaredError(target,
        gridSample(source, affineGrid(theta, target.shape), {paddingMode: 'border'}));
    const before = loss().dataSync()[0];
    for (let step = 0; step < 150; step++) optimizer.minimize(loss as () => tf.Scalar);
    expect(loss().dataSync()[0]).toBeLessThan(before / 10);
    // Output x reads source x + tx·W/2 px: a 3 px shift right needs tx = -3·2/12.
    expect(theta.dataSync()[2]).toBeCloseTo(-0.5, 1);
  });

  test('tf.variableGrads reaches theta through affineGrid and gridSample', () => {
    const theta = tf.variable(tf.tensor3d([[[0.9, 0.1, 0.05], [-0.1, 1.1, 0]]]));
    const image = squares([[5, 5]]);
    const {value, grads} = tf.variableGrads(
        () => tf.sum(tf.square(gridSample(image, affineGrid(theta, image.shape)))), [theta]);
    expect(Number.isFinite(value.dataSync()[0])).toBe(true);
    expect(grads[theta.name].shape).toEqual([1, 2, 3]);
    expect(tf.max(tf.abs(grads[theta.name])).dataSync()[0]).toBeGreaterThan(0);
  });

  test('a tidy forward and backward leaves no tensor behind', () => {
    const image = tf.randomUniform([2, 8, 8, 3]) as tf.Tensor4D;
    const theta = tf.tensor3d([[[1, 0.1, 0], [0, 1, 0.2]], [[0.8, 0, 0], [0, 0.8, 0]]]);
    const run = () => tf.tidy(() => {
      const f = (x: tf.Tensor, t: tf.Tensor) =>
          tf.sum(gridSample(x, affineGrid(t, [2, 5, 6, 3]), {mode: 'bilinear'}));
      const [dImage, dTheta] = tf.grads(f)([image, theta]);
      const dThetaAlone = tf.grad((t: tf.Tensor) => f(image, t))(theta);
      const dImageAlone = tf.grad((x: tf.Tensor) => f(x, theta))(image);
      return [dImage, dTheta, dThetaAlone, dImageAlone].map((t) => t.shape);
    });
    run();  // warm-up: kernels, backend state
    const before = tf.memory().numTensors;
    run();
    expect(tf.memory().numTensors).toBe(before);
  });

  test('model.fit trains a layers model that calls the ops in a custom layer', async () => {
    class Warp extends tf.layers.Layer {
      static className = 'TestWarp';
      override computeOutputShape(shapes: tf.Shape[]) {
        return shapes[0];
      }
      override call(inputs: tf.Tensor|tf.Tensor[]) {
        const [image, theta] = inputs as [tf.Tensor4D, tf.Tensor2D];
        return gridSample(image, affineGrid(tf.reshape(theta, [-1, 2, 3]), image.shape));
      }
    }
    const image = tf.input({shape: [12, 12, 1]});
    const theta = tf.layers.dense({units: 6, name: 'theta'})
        .apply(tf.layers.flatten().apply(image)) as tf.SymbolicTensor;
    const warped = new Warp({}).apply([image, theta]) as tf.SymbolicTensor;
    const output = tf.layers.dense({units: 1, kernelInitializer: tf.initializers.glorotUniform({seed: 1})}).apply(tf.layers.flatten().apply(warped)) as tf.SymbolicTensor;
    const model = tf.model({inputs: image, outputs: output});
    // Start at the identity transform: zero kernel, identity bias.
    model.getLayer('theta').setWeights([tf.zeros([144, 6]), tf.tensor1d(IDENTITY)]);
    model.compile({optimizer: tf.train.sgd(0.02), loss: 'meanSquaredError'});
    const xs = squares([[3, 3], [8, 8], [5, 7], [7, 4]]);
    const ys = tf.tensor2d([[1], [0], [1], [0]]);
    const kernelBefore = model.getLayer('theta').getWeights()[0].dataSync().slice();
    const history = await model.fit(xs, ys, {epochs: 10, batchSize: 2, shuffle: false, verbose: 0});
    const losses = history.history.loss as number[];
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0]);
    const kernelAfter = model.getLayer('theta').getWeights()[0].dataSync();
    // The gradient reached the localisation weights through both ops.
    expect(kernelAfter.some((v, i) => v !== kernelBefore[i])).toBe(true);
  });
});
