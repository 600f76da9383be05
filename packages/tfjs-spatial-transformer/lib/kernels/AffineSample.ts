// The fused affine sampler, 2-D (AffineSample) and volumes (AffineSample3d):
// the same kernel code for both ranks, the native entry chosen by the input's
// rank.
import type {KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';

import {readFloat32, sizeOf, uninitialisedFloat32, writeFloat32} from '../backend_io';
import {AffineSample, AffineSample3d, AffineSampleAttrs} from '../kernel_names';
import {native} from '../native';
import {kernelConfigs, samplerAttrs, samplerShape, TensorflowOpCall, withInt32Input} from './configs';

const jsKernel: KernelFunc = ({inputs, backend, attrs}) => {
  const {input, theta} = inputs as {input: TensorInfo, theta: TensorInfo};
  const {mode, paddingMode, alignCorners, size} = attrs as AffineSampleAttrs;
  const spatial = size.slice(1, -1);
  const outShape = [input.shape[0], ...spatial, input.shape[input.shape.length - 1]];
  const output = uninitialisedFloat32(sizeOf(outShape));
  const run = input.shape.length === 5 ? native.affineSample3dForward : native.affineSampleForward;
  (run as (...args: unknown[]) => void)(readFloat32(backend, input, 'input'), readFloat32(backend, theta, 'theta'),
      output, samplerShape(input, spatial, theta.shape[0]), native.Interpolation[mode], native.Padding[paddingMode],
      alignCorners);
  return writeFloat32(backend, output, outShape);
};

const opCall: TensorflowOpCall = (op, backend, {input, theta}, attrs) => {
  const a = attrs as AffineSampleAttrs;
  return withInt32Input(backend, a.size.slice(1, -1), (size) =>
    backend.executeSingleOutput(op, samplerAttrs(backend, a), [input, theta, size]));
};

export const affineSampleConfigs = [...kernelConfigs(AffineSample, jsKernel, opCall),
  ...kernelConfigs(AffineSample3d, jsKernel, opCall)];
