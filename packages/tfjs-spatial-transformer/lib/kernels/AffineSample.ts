import type {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';

import {readFloat32, sizeOf, writeFloat32} from '../backend_io';
import {AffineSample, AffineSampleAttrs, BACKENDS} from '../kernel_names';
import {native, SamplerShape} from '../native';

const kernelFunc: KernelFunc = ({inputs, backend, attrs}) => {
  const {input, theta} = inputs as {input: TensorInfo, theta: TensorInfo};
  const {mode, paddingMode, alignCorners, size: [, ho, wo]} = attrs as AffineSampleAttrs;
  const [n, h, w, c] = input.shape;
  const outShape = [n, ho, wo, c];
  const output = new Float32Array(sizeOf(outShape));
  native.affineSampleForward(
      readFloat32(backend, input, 'input'), readFloat32(backend, theta, 'theta'), output,
      [n, h, w, c, ho, wo, theta.shape[0]] as SamplerShape, native.Interpolation[mode], native.Padding[paddingMode],
      alignCorners);
  return writeFloat32(backend, output, outShape);
};

export const affineSampleConfigs: KernelConfig[] =
    BACKENDS.map((backendName) => ({kernelName: AffineSample, backendName, kernelFunc}));
