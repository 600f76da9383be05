// Importing this module registers every kernel on both backends and every gradient.
// tfjs's own kernels that the package replaces (Transform: tfjs-backend-cpu's
// fills only the first image of a batch) are unregistered first, so that
// tfjs prints no "already registered" warning.
import * as tf from '@tensorflow/tfjs-core';

import {affineGridGradConfig} from './gradients/AffineGrid_grad';
import {affineSampleGradConfig} from './gradients/AffineSample_grad';
import {gridSampleGradConfig} from './gradients/GridSample_grad';
import {transformGradConfig} from './gradients/Transform_grad';
import {affineGridConfigs} from './kernels/AffineGrid';
import {affineGridGradConfigs} from './kernels/AffineGridGrad';
import {affineSampleConfigs} from './kernels/AffineSample';
import {affineSampleGradConfigs} from './kernels/AffineSampleGrad';
import {gridSampleConfigs} from './kernels/GridSample';
import {gridSampleGradConfigs} from './kernels/GridSampleGrad';
import {Transform} from './kernel_names';
import {transformConfigs} from './kernels/Transform';
import {transformGradConfigs} from './kernels/TransformGrad';

const kernels = [
  ...gridSampleConfigs, ...gridSampleGradConfigs, ...affineGridConfigs, ...affineGridGradConfigs,
  ...affineSampleConfigs, ...affineSampleGradConfigs, ...transformConfigs, ...transformGradConfigs,
];
const replacedTfjsKernels: string[] = [Transform];
for (const config of kernels) {
  if (replacedTfjsKernels.includes(config.kernelName) &&
      tf.getKernel(config.kernelName, config.backendName) !== undefined) {
    tf.unregisterKernel(config.kernelName, config.backendName);
  }
  tf.registerKernel(config);
}
for (const config of [gridSampleGradConfig, affineGridGradConfig, affineSampleGradConfig, transformGradConfig]) {
  tf.registerGradient(config);
}
