import type {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';

import {readFloat32, sizeOf, writeFloat32} from '../backend_io';
import {BACKENDS, GridSampleGrad, GridSampleGradAttrs} from '../kernel_names';
import {native, SamplerShape} from '../native';

/** One native backward pass; outputs the requested gradients in the order [dInput, dGrid]. */
const kernelFunc: KernelFunc = ({inputs, backend, attrs}) => {
  const {dy, input, grid} = inputs as {dy: TensorInfo, input: TensorInfo, grid: TensorInfo};
  const {mode, paddingMode, alignCorners, computeInputGrad, computeGridGrad} =
      attrs as GridSampleGradAttrs;
  const [n, h, w, c] = input.shape;
  const [, ho, wo] = grid.shape;
  const gradInput = computeInputGrad ? new Float32Array(sizeOf(input.shape)) : null;
  const gradGrid = computeGridGrad ? new Float32Array(sizeOf(grid.shape)) : null;
  native.gridSampleBackward(
      readFloat32(backend, dy, 'dy'), readFloat32(backend, input, 'input'),
      readFloat32(backend, grid, 'grid'), gradInput, gradGrid, [n, h, w, c, ho, wo, grid.shape[0]] as SamplerShape,
      native.Interpolation[mode], native.Padding[paddingMode], alignCorners);
  const outputs: TensorInfo[] = [];
  if (gradInput !== null) outputs.push(writeFloat32(backend, gradInput, input.shape));
  if (gradGrid !== null) outputs.push(writeFloat32(backend, gradGrid, grid.shape));
  return outputs;
};

export const gridSampleGradConfigs: KernelConfig[] =
    BACKENDS.map((backendName) => ({kernelName: GridSampleGrad, backendName, kernelFunc}));
