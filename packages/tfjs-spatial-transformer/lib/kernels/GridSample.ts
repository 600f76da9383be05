import type {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';

import {readFloat32, sizeOf, writeFloat32} from '../backend_io';
import {BACKENDS, GridSample, GridSampleAttrs} from '../kernel_names';
import {native, SamplerShape} from '../native';

const kernelFunc: KernelFunc = ({inputs, backend, attrs}) => {
  const {input, grid} = inputs as {input: TensorInfo, grid: TensorInfo};
  const {mode, paddingMode, alignCorners} = attrs as GridSampleAttrs;
  const [n, h, w, c] = input.shape;
  const [, ho, wo] = grid.shape;
  const outShape = [n, ho, wo, c];
  const output = new Float32Array(sizeOf(outShape));
  native.gridSampleForward(
      readFloat32(backend, input, 'input'), readFloat32(backend, grid, 'grid'), output,
      [n, h, w, c, ho, wo, grid.shape[0]] as SamplerShape, native.Interpolation[mode], native.Padding[paddingMode],
      alignCorners);
  return writeFloat32(backend, output, outShape);
};

export const gridSampleConfigs: KernelConfig[] =
    BACKENDS.map((backendName) => ({kernelName: GridSample, backendName, kernelFunc}));
