import type {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';

import {readFloat32, writeFloat32} from '../backend_io';
import {AffineGridAttrs, AffineGridGrad, BACKENDS} from '../kernel_names';
import {native} from '../native';

const kernelFunc: KernelFunc = ({inputs, backend, attrs}) => {
  const {dy} = inputs as {dy: TensorInfo};
  const {size: [n, ho, wo], alignCorners} = attrs as AffineGridAttrs;
  const gradTheta = new Float32Array(n * 6);
  native.affineGridBackward(readFloat32(backend, dy, 'dy'), gradTheta, n, ho, wo, alignCorners);
  return writeFloat32(backend, gradTheta, [n, 2, 3]);
};

export const affineGridGradConfigs: KernelConfig[] =
    BACKENDS.map((backendName) => ({kernelName: AffineGridGrad, backendName, kernelFunc}));
