import * as tf from '@tensorflow/tfjs-core';

import {CropAndResize, CropAndResizeAttrs, CropAndResizeGrad} from '../kernel_names';
import {onePassGradients} from './one_pass';

// tf.image.cropAndResize's gradient, under tfjs's kernel name: image and
// boxes ('bilinear'; 'nearest' gives the boxes zero). boxInd (int32) has none.
export const cropAndResizeGradConfig: tf.GradConfig = {
  kernelName: CropAndResize,
  inputsToSave: ['image', 'boxes', 'boxInd'],
  gradFunc: (dy, saved, attrs) => {
    const [image, boxes, boxInd] = saved;
    return onePassGradients('image', 'boxes', saved, (computeImageGrad, computeBoxesGrad) =>
      tf.engine().runKernel(CropAndResizeGrad, {dy: dy as tf.Tensor, image, boxes, boxInd},
          {...(attrs as CropAndResizeAttrs), computeImageGrad, computeBoxesGrad}) as tf.Tensor[]);
  },
};
