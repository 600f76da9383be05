import * as tf from '@tensorflow/tfjs-core';

import {RotateWithOffset, RotateWithOffsetAttrs, RotateWithOffsetGrad} from '../kernel_names';

// tf.image.rotateWithOffset's gradient, under tfjs's kernel name: the
// image's only. radians and center are attributes (numbers, not tensors), so
// no gradient can reach them through tfjs's op; under nearest rounding the
// output is piecewise constant in them anyway (zero almost everywhere).
export const rotateWithOffsetGradConfig: tf.GradConfig = {
  kernelName: RotateWithOffset,
  gradFunc: (dy, _saved, attrs) => ({
    image: () => tf.engine().runKernel(RotateWithOffsetGrad, {dy: dy as tf.Tensor},
        attrs as RotateWithOffsetAttrs) as tf.Tensor,
  }),
};
