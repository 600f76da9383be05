import * as tf from '@tensorflow/tfjs-core';

import {FlowWarp, FlowWarp3d, FlowWarp3dGrad, FlowWarpAttrs, FlowWarpGrad} from '../kernel_names';
import {onePassGradients} from './one_pass';

function flowGradConfig(kernelName: string, gradKernel: string): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ['input', 'flow'],
    gradFunc: (dy, saved, attrs) => {
      const [input, flow] = saved;
      return onePassGradients('input', 'flow', saved, (computeInputGrad, computeFlowGrad) =>
        tf.engine().runKernel(gradKernel, {dy: dy as tf.Tensor, input, flow},
            {...(attrs as FlowWarpAttrs), computeInputGrad, computeFlowGrad}) as tf.Tensor[]);
    },
  };
}

export const flowWarpGradConfigs = [flowGradConfig(FlowWarp, FlowWarpGrad), flowGradConfig(FlowWarp3d, FlowWarp3dGrad)];
