import type {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';

import {readFloat32, sizeOf, writeFloat32} from '../backend_io';
import {AffineGrid, AffineGridAttrs, BACKENDS} from '../kernel_names';
import {native} from '../native';

const kernelFunc: KernelFunc = ({inputs, backend, attrs}) => {
  const {theta} = inputs as {theta: TensorInfo};
  const {size: [n, ho, wo], alignCorners} = attrs as AffineGridAttrs;
  const gridShape = [n, ho, wo, 2];
  const grid = new Float32Array(sizeOf(gridShape));
  native.affineGridForward(readFloat32(backend, theta, 'theta'), grid, n, ho, wo, alignCorners);
  return writeFloat32(backend, grid, gridShape);
};

export const affineGridConfigs: KernelConfig[] =
    BACKENDS.map((backendName) => ({kernelName: AffineGrid, backendName, kernelFunc}));
