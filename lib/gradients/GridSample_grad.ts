import * as tf from '@tensorflow/tfjs-node';

import {GridSample, GridSampleAttrs, GridSampleGrad} from '../kernel_names';

// The engine calls the thunks of the inputs that lie on the path to the
// differentiated tensors only, in input order (input, then grid), each inside
// its own tidy. So:
// - only the grid is needed (the usual STN case, the image is data): the grid
//   thunk runs the grid-only backward and the input gradient is never computed;
// - the input is needed: its thunk runs one backward pass for both and stashes
//   the grid gradient as plain data for the grid thunk. The stash holds no
//   tensor, so nothing leaks when the grid thunk is not called.
export const gridSampleGradConfig: tf.GradConfig = {
  kernelName: GridSample,
  inputsToSave: ['input', 'grid'],
  gradFunc: (dy, saved, attrs) => {
    const [input, grid] = saved;
    const backward = (computeInputGrad: boolean, computeGridGrad: boolean) =>
        tf.engine().runKernel(GridSampleGrad, {dy: dy as tf.Tensor, input, grid},
            {...(attrs as GridSampleAttrs), computeInputGrad, computeGridGrad}) as tf.Tensor[];
    let stashedGridGrad: Float32Array|null = null;
    return {
      input: () => {
        const [dInput, dGrid] = backward(true, true);
        stashedGridGrad = dGrid.dataSync() as Float32Array;  // no copy: the kernel's own array
        return dInput;
      },
      grid: () => {
        if (stashedGridGrad === null) return backward(false, true)[0];
        const dGrid = tf.tensor(stashedGridGrad, grid.shape, 'float32');
        stashedGridGrad = null;
        return dGrid;
      },
    };
  },
};
