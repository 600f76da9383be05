import type {KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';

import {readFloat32, sizeOf, uninitialisedFloat32, writeFloat32} from '../backend_io';
import {AffineSample3d, AffineSampleAttrs} from '../kernel_names';
import {native, VolumeShape} from '../native';
import {kernelConfigs, samplerAttrs, TensorflowOpCall, withOutputSize} from './configs';

const jsKernel: KernelFunc = ({inputs, backend, attrs}) => {
  const {input, theta} = inputs as {input: TensorInfo, theta: TensorInfo};
  const {mode, paddingMode, alignCorners, size: [, od, ho, wo]} = attrs as AffineSampleAttrs;
  const [n, d, h, w, c] = input.shape;
  const outShape = [n, od, ho, wo, c];
  const output = uninitialisedFloat32(sizeOf(outShape));
  native.affineSample3dForward(
      readFloat32(backend, input, 'input'), readFloat32(backend, theta, 'theta'), output,
      [n, d, h, w, c, od, ho, wo, theta.shape[0]] as VolumeShape, native.Interpolation[mode],
      native.Padding[paddingMode], alignCorners);
  return writeFloat32(backend, output, outShape);
};

const opCall: TensorflowOpCall = (op, backend, {input, theta}, attrs) => {
  const a = attrs as AffineSampleAttrs;
  return withOutputSize(backend, a.size.slice(1, 4), (size) =>
    backend.executeSingleOutput(op, samplerAttrs(backend, a), [input, theta, size]));
};

export const affineSample3dConfigs = kernelConfigs(AffineSample3d, jsKernel, opCall);
