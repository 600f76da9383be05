// The SpatialTransformer layer on volumes [N, D, H, W, C] (a 3-D affine
// transform, 12 parameters), on each backend: identity before training, the
// 3-D conv localisation net, outputSize [Do, Ho, Wo], training moves the
// transform, save/load round trips, and the configuration errors.
import * as tf from '@tensorflow/tfjs-node';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';

import {affineGrid3d, gridSample3d, spatialTransformer, SpatialTransformerConfig} from '../lib';
import {BACKEND_NAMES, expectClose, randomArray, rng, useBackend} from './helpers';

const IDENTITY_3D = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0];

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stn-volume-layer-'));
});
afterAll(() => fs.rmSync(tmp, {recursive: true, force: true}));

const volume = (n: number, seed: number) =>
  tf.tensor5d(randomArray(rng(seed), n * 6 * 7 * 8 * 2), [n, 6, 7, 8, 2]);

describe.each(BACKEND_NAMES)('SpatialTransformer on volumes, %s', (backend) => {
  beforeAll(() => useBackend(backend));

  test.each([['fc', {}], ['conv', {localization: 'conv'}], ['conv, outputSize, nearest',
    {localization: 'conv', outputSize: [3, 5, 4], mode: 'nearest', alignCorners: true}]] as const)(
      'starts at the identity (%s): gridSample3d of the identity grid, theta [N, 12]', (_, extra) => {
        const config = {...extra, returnTheta: true} as SpatialTransformerConfig;
        const input = tf.input({shape: [6, 7, 8, 2]});
        const layer = spatialTransformer(config);
        const [out, theta] = layer.apply(input) as tf.SymbolicTensor[];
        const size = config.outputSize ?? [6, 7, 8];
        expect(out.shape).toEqual([null, ...size, 2]);
        expect(theta.shape).toEqual([null, 12]);
        const model = tf.model({inputs: input, outputs: [out, theta]});
        const x = volume(2, 5);
        const [y, t] = model.predict(x) as tf.Tensor[];
        expectClose(t.dataSync(), [...IDENTITY_3D, ...IDENTITY_3D], {atol: 0, rtol: 0}, 'theta');
        const options = {alignCorners: config.alignCorners ?? false};
        const want = gridSample3d(x, affineGrid3d(tf.tensor3d([IDENTITY_3D, IDENTITY_3D].flat(), [2, 3, 4]),
            [2, ...size, 2], options), {...options, mode: config.mode === 'nearest' ? 'nearest' : 'bilinear'});
        expectClose(y.dataSync(), want.dataSync(), {atol: 1e-6}, 'output');
      });

  test('trains: a fit step moves the 12 parameters away from the identity', async () => {
    const model = tf.sequential({layers: [spatialTransformer({inputShape: [6, 7, 8, 2], returnTheta: false}),
      tf.layers.flatten(), tf.layers.dense({units: 1})]});
    model.compile({optimizer: tf.train.sgd(0.5), loss: 'meanSquaredError'});
    const bias = () => (model.layers[0].getWeights().at(-1)!).dataSync().slice();
    const before = bias();
    await model.fit(volume(4, 9), tf.ones([4, 1]), {epochs: 1, batchSize: 4, verbose: 0});
    const after = bias();
    expect(after.length).toBe(12);
    expect(Array.from(after).some((v, i) => v !== before[i])).toBe(true);
  });

  test('save and load round-trip with identical predictions', async () => {
    const model = tf.sequential({layers: [spatialTransformer({inputShape: [6, 7, 8, 2], localization: 'conv',
      outputSize: [4, 4, 4], paddingMode: 'border'})]});
    // Move the transform off the identity so the round trip is not trivial.
    const weights = model.layers[0].getWeights();
    weights[weights.length - 1] = tf.tensor1d(IDENTITY_3D.map((v, i) => v + 0.05 * ((i % 5) - 2)));
    model.layers[0].setWeights(weights);
    const dir = path.join(tmp, backend);
    await model.save(`file://${dir}`);
    const loaded = await tf.loadLayersModel(`file://${dir}/model.json`);
    const x = volume(2, 11);
    expectClose((loaded.predict(x) as tf.Tensor).dataSync(), (model.predict(x) as tf.Tensor).dataSync(),
        {atol: 0, rtol: 0}, 'predictions');
  });

  test('configuration errors name the option', () => {
    const build = (config: SpatialTransformerConfig) => () => spatialTransformer(config).apply(tf.input({shape: [6, 7, 8, 2]}));
    expect(build({transform: 'tps'})).toThrow("SpatialTransformer: transform must be 'affine' for volumes (5-D inputs), but got 'tps'");
    expect(build({mode: 'bicubic'})).toThrow("SpatialTransformer: mode must be 'bilinear' or 'nearest' for volumes (5-D inputs), but got 'bicubic'");
    expect(build({outputSize: [4, 4]})).toThrow('SpatialTransformer: outputSize must be 3 sizes for a 5-D input');
    expect(() => spatialTransformer({outputSize: [4, 4, 4, 4] as never}))
        .toThrow('SpatialTransformer: outputSize must be an array of 2 or 3 positive integers');
  });
});
