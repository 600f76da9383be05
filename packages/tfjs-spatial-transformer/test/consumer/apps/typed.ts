// A typed consumer: compiled with tsc --noEmit by consumer.test.ts (never run).
import * as tf from '@tensorflow/tfjs';
import {affineGrid, GridSampleOptions, gridSample, SpatialTransformer, spatialTransformer,
  TransformName} from 'tfjs-spatial-transformer';
import {compositeGridSample} from 'tfjs-spatial-transformer/composite';

const options: GridSampleOptions = {mode: 'bilinear', paddingMode: 'border', alignCorners: false};
const grid: tf.Tensor4D = affineGrid(tf.tensor3d([[[1, 0, 0], [0, 1, 0]]]), [1, 4, 4, 1]);
const warped: tf.Tensor4D = gridSample(tf.zeros([1, 4, 4, 1]), grid, options);
const baseline: tf.Tensor4D = compositeGridSample(warped, grid, 'zeros');
const transform: TransformName = 'tps';
const layer: SpatialTransformer = spatialTransformer({transform, outputSize: [2, 2]});
const model: tf.Sequential = tf.sequential({layers: [layer]});
// @ts-expect-error: not an interpolation mode
gridSample(warped, grid, {mode: 'linear'});
export {baseline, model};
