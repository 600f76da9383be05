import * as tf from '@tensorflow/tfjs-core';

import {Transform, TransformAttrs, TransformGrad} from '../kernel_names';
import {onePassGradients} from './one_pass';

// tf.image.transform's gradient, under tfjs's kernel name: image and
// transforms ('bilinear'; 'nearest' gives the transforms zero).
export const transformGradConfig: tf.GradConfig = {
  kernelName: Transform,
  inputsToSave: ['image', 'transforms'],
  gradFunc: (dy, saved, attrs) => {
    const [image, transforms] = saved;
    return onePassGradients('image', 'transforms', saved, (computeImageGrad, computeTransformsGrad) =>
      tf.engine().runKernel(TransformGrad, {dy: dy as tf.Tensor, image, transforms},
          {...(attrs as TransformAttrs), computeImageGrad, computeTransformsGrad}) as tf.Tensor[]);
  },
};
