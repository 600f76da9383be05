import type {KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';

import {readFloat32, sizeOf, uninitialisedFloat32, writeFloat32} from '../backend_io';
import {GridSample, GridSampleAttrs} from '../kernel_names';
import {native, SamplerShape} from '../native';
import {kernelConfigs, samplerAttrs, TensorflowOpCall} from './configs';

const jsKernel: KernelFunc = ({inputs, backend, attrs}) => {
  const {input, grid} = inputs as {input: TensorInfo, grid: TensorInfo};
  const {mode, paddingMode, alignCorners} = attrs as GridSampleAttrs;
  const [n, h, w, c] = input.shape;
  const [, ho, wo] = grid.shape;
  const outShape = [n, ho, wo, c];
  const output = uninitialisedFloat32(sizeOf(outShape));
  native.gridSampleForward(
      readFloat32(backend, input, 'input'), readFloat32(backend, grid, 'grid'), output,
      [n, h, w, c, ho, wo, grid.shape[0]] as SamplerShape, native.Interpolation[mode], native.Padding[paddingMode],
      alignCorners);
  return writeFloat32(backend, output, outShape);
};

const opCall: TensorflowOpCall = (op, backend, {input, grid}, attrs) =>
  backend.executeSingleOutput(op, samplerAttrs(backend, attrs as GridSampleAttrs), [input, grid]);

export const gridSampleConfigs = kernelConfigs(GridSample, jsKernel, opCall);
