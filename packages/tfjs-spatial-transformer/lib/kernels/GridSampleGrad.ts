import type {KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';

import {readFloat32, sizeOf, uninitialisedFloat32, writeFloat32} from '../backend_io';
import {GridSampleGrad, GridSampleGradAttrs} from '../kernel_names';
import {native, SamplerShape} from '../native';
import {boolAttr, kernelConfigs, requestedGradients, samplerAttrs, TensorflowOpCall} from './configs';

/** One native backward pass; outputs the requested gradients in the order [dInput, dGrid]. */
const jsKernel: KernelFunc = ({inputs, backend, attrs}) => {
  const {dy, input, grid} = inputs as {dy: TensorInfo, input: TensorInfo, grid: TensorInfo};
  const {mode, paddingMode, alignCorners, computeInputGrad, computeGridGrad} =
      attrs as GridSampleGradAttrs;
  const [n, h, w, c] = input.shape;
  const [, ho, wo] = grid.shape;
  const gradInput = computeInputGrad ? uninitialisedFloat32(sizeOf(input.shape)) : null;
  const gradGrid = computeGridGrad ? uninitialisedFloat32(sizeOf(grid.shape)) : null;
  native.gridSampleBackward(
      readFloat32(backend, dy, 'dy'), readFloat32(backend, input, 'input'),
      readFloat32(backend, grid, 'grid'), gradInput, gradGrid, [n, h, w, c, ho, wo, grid.shape[0]] as SamplerShape,
      native.Interpolation[mode], native.Padding[paddingMode], alignCorners);
  const outputs: TensorInfo[] = [];
  if (gradInput !== null) outputs.push(writeFloat32(backend, gradInput, input.shape));
  if (gradGrid !== null) outputs.push(writeFloat32(backend, gradGrid, grid.shape));
  return outputs;
};

const opCall: TensorflowOpCall = (op, backend, {dy, input, grid}, attrs) => {
  const a = attrs as GridSampleGradAttrs;
  const opAttrs = [...samplerAttrs(backend, a), boolAttr(backend, 'compute_input_grad', a.computeInputGrad),
    boolAttr(backend, 'compute_grid_grad', a.computeGridGrad)];
  return requestedGradients(backend.executeMultipleOutputs(op, opAttrs, [dy, input, grid], 2),
      [a.computeInputGrad, a.computeGridGrad]);
};

export const gridSampleGradConfigs = kernelConfigs(GridSampleGrad, jsKernel, opCall);
