// Importing this module registers every kernel on both backends and every gradient.
import * as tf from '@tensorflow/tfjs-node';

import {affineGridGradConfig} from './gradients/AffineGrid_grad';
import {gridSampleGradConfig} from './gradients/GridSample_grad';
import {affineGridConfigs} from './kernels/AffineGrid';
import {affineGridGradConfigs} from './kernels/AffineGridGrad';
import {gridSampleConfigs} from './kernels/GridSample';
import {gridSampleGradConfigs} from './kernels/GridSampleGrad';

const kernels = [
  ...gridSampleConfigs, ...gridSampleGradConfigs, ...affineGridConfigs, ...affineGridGradConfigs,
];
for (const config of kernels) tf.registerKernel(config);
for (const config of [gridSampleGradConfig, affineGridGradConfig]) tf.registerGradient(config);
