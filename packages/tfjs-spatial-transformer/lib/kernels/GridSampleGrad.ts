// gridSample's backward, 2-D (GridSampleGrad) and volumes (GridSample3dGrad):
// the same kernel code for both ranks, the native entry chosen by the
// input's rank.
import type {KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';

import {readFloat32, sizeOf, uninitialisedFloat32, writeFloat32} from '../backend_io';
import {GridSample3dGrad, GridSampleGrad, GridSampleGradAttrs} from '../kernel_names';
import {native} from '../native';
import {boolAttr, kernelConfigs, requestedGradients, samplerAttrs, samplerShape, TensorflowOpCall} from './configs';

/** One native backward pass; outputs the requested gradients in the order [dInput, dGrid]. */
const jsKernel: KernelFunc = ({inputs, backend, attrs}) => {
  const {dy, input, grid} = inputs as {dy: TensorInfo, input: TensorInfo, grid: TensorInfo};
  const {mode, paddingMode, alignCorners, computeInputGrad, computeGridGrad} =
      attrs as GridSampleGradAttrs;
  const gradInput = computeInputGrad ? uninitialisedFloat32(sizeOf(input.shape)) : null;
  const gradGrid = computeGridGrad ? uninitialisedFloat32(sizeOf(grid.shape)) : null;
  const run = input.shape.length === 5 ? native.gridSample3dBackward : native.gridSampleBackward;
  (run as (...args: unknown[]) => void)(readFloat32(backend, dy, 'dy'), readFloat32(backend, input, 'input'),
      readFloat32(backend, grid, 'grid'), gradInput, gradGrid,
      samplerShape(input, grid.shape.slice(1, -1), grid.shape[0]), native.Interpolation[mode],
      native.Padding[paddingMode], alignCorners);
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

export const gridSampleGradConfigs = [...kernelConfigs(GridSampleGrad, jsKernel, opCall),
  ...kernelConfigs(GridSample3dGrad, jsKernel, opCall)];
