// Importing this module registers every kernel on both backends and every gradient.
// tfjs's own kernels that the package replaces (Transform: tfjs-backend-cpu's
// fills only the first image of a batch; RotateWithOffset and CropAndResize on
// 'cpu': JS loops) are unregistered first, so that tfjs prints no "already
// registered" warning.
import * as tf from '@tensorflow/tfjs-core';

import {affineGrid3dGradConfig} from './gradients/AffineGrid3d_grad';
import {affineGridGradConfig} from './gradients/AffineGrid_grad';
import {affineSample3dGradConfig, affineSampleGradConfig} from './gradients/AffineSample_grad';
import {cropAndResizeGradConfig} from './gradients/CropAndResize_grad';
import {flowWarpGradConfigs as flowWarpGradients} from './gradients/FlowWarp_grad';
import {gridSample3dGradConfig, gridSampleGradConfig} from './gradients/GridSample_grad';
import {rotateWithOffsetGradConfig} from './gradients/RotateWithOffset_grad';
import {transformGradConfig} from './gradients/Transform_grad';
import {affineGridConfigs} from './kernels/AffineGrid';
import {affineGrid3dConfigs} from './kernels/AffineGrid3d';
import {affineGrid3dGradConfigs} from './kernels/AffineGrid3dGrad';
import {affineGridGradConfigs} from './kernels/AffineGridGrad';
import {affineSampleConfigs} from './kernels/AffineSample';
import {affineSampleGradConfigs} from './kernels/AffineSampleGrad';
import {cropAndResizeConfigs} from './kernels/CropAndResize';
import {cropAndResizeGradConfigs} from './kernels/CropAndResizeGrad';
import {flowWarpConfigs} from './kernels/FlowWarp';
import {flowWarpGradConfigs} from './kernels/FlowWarpGrad';
import {gridSampleConfigs} from './kernels/GridSample';
import {gridSampleGradConfigs} from './kernels/GridSampleGrad';
import {CropAndResize, RotateWithOffset, Transform} from './kernel_names';
import {rotateWithOffsetConfigs} from './kernels/RotateWithOffset';
import {rotateWithOffsetGradConfigs} from './kernels/RotateWithOffsetGrad';
import {transformConfigs} from './kernels/Transform';
import {transformGradConfigs} from './kernels/TransformGrad';

const kernels = [
  ...gridSampleConfigs, ...gridSampleGradConfigs, ...affineGridConfigs, ...affineGridGradConfigs,
  ...affineSampleConfigs, ...affineSampleGradConfigs, ...transformConfigs, ...transformGradConfigs,
  ...affineGrid3dConfigs, ...affineGrid3dGradConfigs, ...flowWarpConfigs, ...flowWarpGradConfigs,
  ...rotateWithOffsetConfigs, ...rotateWithOffsetGradConfigs,
  ...cropAndResizeConfigs, ...cropAndResizeGradConfigs,
];
const replacedTfjsKernels: string[] = [Transform, RotateWithOffset, CropAndResize];
for (const config of kernels) {
  if (replacedTfjsKernels.includes(config.kernelName) &&
      tf.getKernel(config.kernelName, config.backendName) !== undefined) {
    tf.unregisterKernel(config.kernelName, config.backendName);
  }
  tf.registerKernel(config);
}
for (const config of [gridSampleGradConfig, affineGridGradConfig, affineSampleGradConfig, transformGradConfig,
  gridSample3dGradConfig, affineGrid3dGradConfig, affineSample3dGradConfig, ...flowWarpGradients,
  rotateWithOffsetGradConfig, cropAndResizeGradConfig]) {
  tf.registerGradient(config);
}
