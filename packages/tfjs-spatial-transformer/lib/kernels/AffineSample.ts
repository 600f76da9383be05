import type {KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';

import {readFloat32, sizeOf, uninitialisedFloat32, writeFloat32} from '../backend_io';
import {AffineSample, AffineSampleAttrs} from '../kernel_names';
import {native, SamplerShape} from '../native';
import {kernelConfigs, samplerAttrs, TensorflowOpCall, withOutputSize} from './configs';

const jsKernel: KernelFunc = ({inputs, backend, attrs}) => {
  const {input, theta} = inputs as {input: TensorInfo, theta: TensorInfo};
  const {mode, paddingMode, alignCorners, size: [, ho, wo]} = attrs as AffineSampleAttrs;
  const [n, h, w, c] = input.shape;
  const outShape = [n, ho, wo, c];
  const output = uninitialisedFloat32(sizeOf(outShape));
  native.affineSampleForward(
      readFloat32(backend, input, 'input'), readFloat32(backend, theta, 'theta'), output,
      [n, h, w, c, ho, wo, theta.shape[0]] as SamplerShape, native.Interpolation[mode], native.Padding[paddingMode],
      alignCorners);
  return writeFloat32(backend, output, outShape);
};

const opCall: TensorflowOpCall = (op, backend, {input, theta}, attrs) => {
  const a = attrs as AffineSampleAttrs;
  return withOutputSize(backend, a.size[1], a.size[2], (size) =>
    backend.executeSingleOutput(op, samplerAttrs(backend, a), [input, theta, size]));
};

export const affineSampleConfigs = kernelConfigs(AffineSample, jsKernel, opCall);
