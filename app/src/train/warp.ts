// The spatial transformers of the training models: the library's
// SpatialTransformer layer (native gridSample and grid generators), or, for
// `--sampler composite`, the same layer with the native sampler and affine grid
// replaced by stock-tfjs ones. Both have the same sub-layers, weights and
// config, so the two builds of a model differ only in how they sample.
import * as tf from '@tensorflow/tfjs-node';

import {projectiveGrid, SpatialTransformer, tpsGrid} from 'tfjs-spatial-transformer';
import {compositeAffineGrid, compositeGridSample} from 'tfjs-spatial-transformer/composite';
import {TransformName} from './names';

/** The grid of `params` [N, P] with stock tfjs ops where the transform is affine (affine, attention). */
function compositeGrid(transform: TransformName, params: tf.Tensor2D, size: number[],
    controlPoints: number[]): tf.Tensor4D {
  const [n, ho, wo] = size;
  if (transform === 'affine') return compositeAffineGrid(tf.reshape(params, [n, 2, 3]), ho, wo);
  if (transform === 'attention') {
    const [s, tx, ty] = tf.split(params, 3, 1);
    const zero = tf.zerosLike(s);
    return compositeAffineGrid(tf.reshape(tf.concat([s, zero, tx, zero, s, ty], 1), [n, 2, 3]), ho, wo);
  }
  // projective and tps: the library's generators are already compositions of stock ops.
  if (transform === 'projective') return projectiveGrid(params, size);
  const pairs: number[][] = [];
  for (let i = 0; i < controlPoints.length; i += 2) pairs.push([controlPoints[i], controlPoints[i + 1]]);
  return tpsGrid(tf.reshape(params, [n, pairs.length, 2]), size, {controlPoints: pairs});
}

/**
 * SpatialTransformer with a stock-tfjs sampler (bilinear, zeros padding,
 * alignCorners false) and affine grid: the baseline of `--sampler composite`.
 */
export class CompositeSpatialTransformer extends SpatialTransformer {
  static override className = 'StnCompositeSpatialTransformer';

  protected override resample(input: tf.Tensor4D, theta: tf.Tensor2D, size: number[]): tf.Tensor4D {
    if (this.mode !== 'bilinear' || this.paddingMode !== 'zeros' || this.alignCorners) {
      throw new Error('CompositeSpatialTransformer supports bilinear sampling, zeros padding and ' +
          'alignCorners false only');
    }
    return compositeGridSample(input, compositeGrid(this.transform, theta, size, this.controlPoints), 'zeros',
        false);
  }
}
tf.serialization.registerClass(CompositeSpatialTransformer);
