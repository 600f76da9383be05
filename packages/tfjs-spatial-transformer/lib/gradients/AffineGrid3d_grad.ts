import * as tf from '@tensorflow/tfjs-core';

import {AffineGrid3d, AffineGrid3dGrad} from '../kernel_names';

export const affineGrid3dGradConfig: tf.GradConfig = {
  kernelName: AffineGrid3d,
  gradFunc: (dy, _saved, attrs) => ({
    theta: () => tf.engine().runKernel(AffineGrid3dGrad, {dy: dy as tf.Tensor}, attrs) as tf.Tensor,
  }),
};
