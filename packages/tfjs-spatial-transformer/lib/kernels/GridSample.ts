// gridSample, 2-D (GridSample) and volumes (GridSample3d): the same kernel
// code for both ranks, the native entry chosen by the input's rank.
import type {KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';

import {readFloat32, sizeOf, uninitialisedFloat32, writeFloat32} from '../backend_io';
import {GridSample, GridSample3d, GridSampleAttrs} from '../kernel_names';
import {native} from '../native';
import {kernelConfigs, samplerAttrs, samplerShape, TensorflowOpCall} from './configs';

const jsKernel: KernelFunc = ({inputs, backend, attrs}) => {
  const {input, grid} = inputs as {input: TensorInfo, grid: TensorInfo};
  const {mode, paddingMode, alignCorners} = attrs as GridSampleAttrs;
  const spatial = grid.shape.slice(1, -1);
  const outShape = [input.shape[0], ...spatial, input.shape[input.shape.length - 1]];
  const output = uninitialisedFloat32(sizeOf(outShape));
  const run = input.shape.length === 5 ? native.gridSample3dForward : native.gridSampleForward;
  (run as (...args: unknown[]) => void)(readFloat32(backend, input, 'input'), readFloat32(backend, grid, 'grid'),
      output, samplerShape(input, spatial, grid.shape[0]), native.Interpolation[mode], native.Padding[paddingMode],
      alignCorners);
  return writeFloat32(backend, output, outShape);
};

const opCall: TensorflowOpCall = (op, backend, {input, grid}, attrs) =>
  backend.executeSingleOutput(op, samplerAttrs(backend, attrs as GridSampleAttrs), [input, grid]);

export const gridSampleConfigs = [...kernelConfigs(GridSample, jsKernel, opCall),
  ...kernelConfigs(GridSample3d, jsKernel, opCall)];
