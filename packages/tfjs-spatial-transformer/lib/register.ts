// Importing this module registers every kernel on both backends and every gradient.
import * as tf from '@tensorflow/tfjs-core';

import {affineGridGradConfig} from './gradients/AffineGrid_grad';
import {affineSampleGradConfig} from './gradients/AffineSample_grad';
import {gridSampleGradConfig} from './gradients/GridSample_grad';
import {affineGridConfigs} from './kernels/AffineGrid';
import {affineGridGradConfigs} from './kernels/AffineGridGrad';
import {affineSampleConfigs} from './kernels/AffineSample';
import {affineSampleGradConfigs} from './kernels/AffineSampleGrad';
import {gridSampleConfigs} from './kernels/GridSample';
import {gridSampleGradConfigs} from './kernels/GridSampleGrad';

const kernels = [
  ...gridSampleConfigs, ...gridSampleGradConfigs, ...affineGridConfigs, ...affineGridGradConfigs,
  ...affineSampleConfigs, ...affineSampleGradConfigs,
];
for (const config of kernels) tf.registerKernel(config);
for (const config of [gridSampleGradConfig, affineGridGradConfig, affineSampleGradConfig]) {
  tf.registerGradient(config);
}
