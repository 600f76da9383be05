// Leaks: training steps of a small ST-CNN (localisation conv net -> affineGrid
// -> gridSample -> classifier conv net, built from tf.layers) keep
// tf.memory().numTensors flat and RSS within a small bound, on both backends.
// CI runs STN_SOAK_STEPS=100 (the default); `npm run test:soak` runs 1000.
import * as tf from '@tensorflow/tfjs-node';
import {beforeAll, describe, expect, test} from 'vitest';

import {affineGrid, affineSample, gridSample, tensorflowOps} from '../lib';
import {native} from '../lib/native';
import {BACKEND_NAMES, randomArray, rng, SAMPLER_CASES, useBackend} from './helpers';

const STEPS = Number(process.env.STN_SOAK_STEPS ?? 100);
const WARMUP = 20;
const BATCH = 8, SIZE = 20, OUT = 16, CLASSES = 4;
// RSS growth allowed between the end of warm-up and the last step. The
// allocators settle over the first few hundred steps (observed: 13-20 MB,
// then flat over 2000 steps); the exact leak checks are the tensor, data-id
// and ArrayBuffer counts (vitest.config.ts exposes gc, so the figures are read after a collection).
const RSS_BOUND_MB = Number(process.env.STN_SOAK_RSS_MB ?? 32);
const dataIds = () => (tf.engine().backend as unknown as {numDataIds(): number}).numDataIds();

function stCnn() {
  const seed = (s: number) => tf.initializers.glorotUniform({seed: s});
  const loc = [
    tf.layers.conv2d({filters: 4, kernelSize: 3, activation: 'relu', kernelInitializer: seed(1)}),
    tf.layers.maxPooling2d({poolSize: 2}),
    tf.layers.flatten(),
    tf.layers.dense({units: 16, activation: 'tanh', kernelInitializer: seed(2)}),
    // Starts at the identity transform.
    tf.layers.dense({units: 6, kernelInitializer: 'zeros',
      biasInitializer: tf.initializers.constant({value: 0}) as never}),
  ];
  const head = [
    tf.layers.conv2d({filters: 6, kernelSize: 3, strides: 2, activation: 'relu', kernelInitializer: seed(3)}),
    tf.layers.flatten(),
    tf.layers.dense({units: CLASSES, kernelInitializer: seed(4)}),
  ];
  const identity = tf.tensor2d([[1, 0, 0, 0, 1, 0]]);
  const forward = (images: tf.Tensor4D) => {
    const theta = tf.reshape(tf.add(loc.reduce((x, l) => l.apply(x) as tf.Tensor, images as tf.Tensor),
        identity), [-1, 2, 3]) as tf.Tensor3D;
    const grid = affineGrid(theta, [images.shape[0], OUT, OUT, 1]);
    const warped = gridSample(images, grid, {paddingMode: 'border'});
    return head.reduce((x, l) => l.apply(x) as tf.Tensor, warped as tf.Tensor) as tf.Tensor2D;
  };
  return {forward, layers: [...loc, ...head], identity};
}

describe.each(BACKEND_NAMES)('soak on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  test(`${STEPS} training steps of an ST-CNN: numTensors flat, RSS bounded`, () => {
    const random = rng(2024);
    const images = tf.tensor4d(randomArray(random, BATCH * SIZE * SIZE, 0, 1), [BATCH, SIZE, SIZE, 1]);
    const labels = tf.oneHot(tf.tensor1d(Array.from({length: BATCH}, (_, i) => i % CLASSES), 'int32'),
        CLASSES);
    const model = stCnn();
    tf.tidy(() => { model.forward(images); });  // builds the layers' weights
    const variables = model.layers.flatMap((l) => l.trainableWeights.map((w) => w.read() as tf.Variable));
    const optimizer = tf.train.adam(0.003);
    const step = () => optimizer.minimize(
        () => tf.losses.softmaxCrossEntropy(labels, model.forward(images)) as tf.Scalar, true,
        variables);

    let firstLoss = NaN, lastLoss = NaN;
    let tensorsAfterWarmup = 0, idsAfterWarmup = 0, rssAfterWarmup = 0, rssMax = 0;
    let externalAfterWarmup = 0;
    const t0 = Date.now();
    for (let i = 0; i < WARMUP + STEPS; i++) {
      const cost = step()!;
      if (i === 0) firstLoss = cost.dataSync()[0];
      if (i === WARMUP + STEPS - 1) lastLoss = cost.dataSync()[0];
      cost.dispose();
      if (i === WARMUP - 1) {
        if (global.gc) global.gc();
        tensorsAfterWarmup = tf.memory().numTensors;
        idsAfterWarmup = dataIds();
        ({rss: rssAfterWarmup, arrayBuffers: externalAfterWarmup} = process.memoryUsage());
      } else if (i >= WARMUP) {
        expect(tf.memory().numTensors, `numTensors after step ${i - WARMUP + 1}`).toBe(tensorsAfterWarmup);
        expect(dataIds(), `backend data ids after step ${i - WARMUP + 1}`).toBe(idsAfterWarmup);
        if ((i - WARMUP) % 10 === 0) rssMax = Math.max(rssMax, process.memoryUsage().rss);
      }
    }
    if (global.gc) global.gc();
    const {rss: rssEnd, arrayBuffers: externalEnd} = process.memoryUsage();
    rssMax = Math.max(rssMax, rssEnd);
    const mb = (b: number) => (b / 2 ** 20).toFixed(1);
    console.log(`soak ${backend}: ${STEPS} steps in ${((Date.now() - t0) / 1000).toFixed(1)} s; ` +
        `numTensors ${tensorsAfterWarmup} after warm-up, ${tf.memory().numTensors} at the end; ` +
        `RSS ${mb(rssAfterWarmup)} MB after warm-up, ${mb(rssEnd)} MB at the end (max ${mb(rssMax)} MB, ` +
        `growth ${mb(rssEnd - rssAfterWarmup)} MB); ArrayBuffers ${mb(externalAfterWarmup)} -> ` +
        `${mb(externalEnd)} MB; backend data ids ${idsAfterWarmup} -> ${dataIds()}; loss ${firstLoss.toFixed(4)} -> ${lastLoss.toFixed(4)}`);
    expect(tf.memory().numTensors).toBe(tensorsAfterWarmup);
    expect((rssEnd - rssAfterWarmup) / 2 ** 20, 'RSS growth (MB) after warm-up').toBeLessThan(RSS_BOUND_MB);
    expect((externalEnd - externalAfterWarmup) / 2 ** 20, 'ArrayBuffer growth (MB)').toBeLessThan(8);
    expect(Number.isFinite(lastLoss)).toBe(true);
    expect(lastLoss).toBeLessThan(firstLoss);  // it trains: gradients flow through the sampler
    tf.dispose([images, labels, model.identity, ...variables]);
    optimizer.dispose();
  });
});

// The TF-op path: TF's eager runtime keeps one kernel per distinct attribute
// set forever, so a per-call number passed as an attribute would grow it
// without bound. Steps cycle through several shapes (output sizes included)
// and every mode × padding × alignCorners; after one full cycle no new kernel
// is constructed, and after a warm-up numTensors stays flat and RSS within a bound.
// `STN_SOAK_STEPS=10000 npx vitest run test/reliability_soak.test.ts` is the long run.
describe('soak of the TF ops on tensorflow', () => {
  beforeAll(() => useBackend('tensorflow'));

  test(`${STEPS} steps over shapes, modes and paddings: no new TF kernels, numTensors flat, RSS bounded`, () => {
    expect(tensorflowOps().active).toBe(true);
    const random = rng(11);
    // [N, H, W, C, Ho, Wo]
    const shapes = [[4, 12, 12, 1, 8, 8], [2, 9, 7, 3, 11, 5], [3, 6, 6, 8, 6, 6]];
    const problems = shapes.map(([n, h, w, c, ho, wo]) => ({
      x: tf.tensor4d(randomArray(random, n * h * w * c), [n, h, w, c]),
      theta: tf.tensor3d(randomArray(random, n * 6, -1, 1), [n, 2, 3]),
      size: [n, ho, wo, c],
    }));
    const combos = problems.flatMap((p) => SAMPLER_CASES.map((options) => ({...p, options})));
    const step = (i: number) => {
      const {x, theta, size, options} = combos[i % combos.length];
      tf.tidy(() => {
        const split = (a: tf.Tensor, t: tf.Tensor) =>
          tf.sum(gridSample(a, affineGrid(t, size, {alignCorners: options.alignCorners}), options));
        const fused = (a: tf.Tensor, t: tf.Tensor) => tf.sum(affineSample(a, t, size, options));
        tf.grads(split)([x, theta]);
        tf.grad((t: tf.Tensor) => split(x, t))(theta);
        tf.grads(fused)([x, theta]);
        tf.grad((t: tf.Tensor) => fused(x, t))(theta);
      });
    };
    // One cycle constructs every kernel; the allocators then settle over ~2000 steps.
    for (let i = 0; i < combos.length; i++) step(i);
    const kernels = native.tensorflowKernelsCreated();
    const warmup = 2000;
    for (let i = combos.length; i < warmup; i++) step(i);
    if (global.gc) global.gc();
    const tensors = tf.memory().numTensors;
    const rss0 = process.memoryUsage().rss;
    const t0 = Date.now();
    const rssSeen: number[] = [], heapSeen: number[] = [];  // at each fifth of the run
    for (let i = 0; i < STEPS; i++) {
      step(warmup + i);
      if (i % 100 === 0) expect(tf.memory().numTensors, `numTensors after step ${i}`).toBe(tensors);
      if ((i + 1) % Math.ceil(STEPS / 5) === 0) {
        rssSeen.push(process.memoryUsage().rss);
        heapSeen.push(process.memoryUsage().heapTotal);
      }
    }
    if (global.gc) global.gc();
    const rss1 = process.memoryUsage().rss;
    const mb = (b: number) => (b / 2 ** 20).toFixed(1);
    console.log(`soak of the TF ops: ${STEPS} steps (${combos.length} shape/option combinations, 4 passes each) in ` +
        `${((Date.now() - t0) / 1000).toFixed(1)} s; TF kernels ${kernels} -> ${native.tensorflowKernelsCreated()}; ` +
        `numTensors ${tensors} -> ${tf.memory().numTensors}; RSS ${mb(rss0)} MB after warm-up, then ` +
        `${rssSeen.map(mb).join(', ')} MB at each fifth of the run (V8 heap ${heapSeen.map(mb).join(', ')} MB)`);
    expect(native.tensorflowKernelsCreated()).toBe(kernels);
    expect(tf.memory().numTensors).toBe(tensors);
    expect((rss1 - rss0) / 2 ** 20, 'RSS growth (MB)').toBeLessThan(RSS_BOUND_MB);
    tf.dispose(problems.flatMap((p) => [p.x, p.theta]));
  }, 60_000 + STEPS * 30);
});
