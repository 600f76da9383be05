// The fused affine sampler's backward, 2-D (AffineSampleGrad) and volumes
// (AffineSample3dGrad): the same kernel code for both ranks, the native
// entry chosen by the input's rank.
import type {KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';

import {readFloat32, sizeOf, uninitialisedFloat32, writeFloat32} from '../backend_io';
import {AffineSample3dGrad, AffineSampleGrad, AffineSampleGradAttrs} from '../kernel_names';
import {native} from '../native';
import {boolAttr, kernelConfigs, requestedGradients, samplerAttrs, samplerShape, TensorflowOpCall} from './configs';

/** One native backward pass; outputs the requested gradients in the order [dInput, dTheta]. */
const jsKernel: KernelFunc = ({inputs, backend, attrs}) => {
  const {dy, input, theta} = inputs as {dy: TensorInfo, input: TensorInfo, theta: TensorInfo};
  const {mode, paddingMode, alignCorners, size, computeInputGrad, computeThetaGrad} =
      attrs as AffineSampleGradAttrs;
  const gradInput = computeInputGrad ? uninitialisedFloat32(sizeOf(input.shape)) : null;
  const gradTheta = computeThetaGrad ? uninitialisedFloat32(sizeOf(theta.shape)) : null;
  const run = input.shape.length === 5 ? native.affineSample3dBackward : native.affineSampleBackward;
  (run as (...args: unknown[]) => void)(readFloat32(backend, dy, 'dy'), readFloat32(backend, input, 'input'),
      readFloat32(backend, theta, 'theta'), gradInput, gradTheta,
      samplerShape(input, size.slice(1, -1), theta.shape[0]), native.Interpolation[mode],
      native.Padding[paddingMode], alignCorners);
  const outputs: TensorInfo[] = [];
  if (gradInput !== null) outputs.push(writeFloat32(backend, gradInput, input.shape));
  if (gradTheta !== null) outputs.push(writeFloat32(backend, gradTheta, theta.shape));
  return outputs;
};

// The output size is dy's: no size input.
const opCall: TensorflowOpCall = (op, backend, {dy, input, theta}, attrs) => {
  const a = attrs as AffineSampleGradAttrs;
  const opAttrs = [...samplerAttrs(backend, a), boolAttr(backend, 'compute_input_grad', a.computeInputGrad),
    boolAttr(backend, 'compute_theta_grad', a.computeThetaGrad)];
  return requestedGradients(backend.executeMultipleOutputs(op, opAttrs, [dy, input, theta], 2),
      [a.computeInputGrad, a.computeThetaGrad]);
};

export const affineSampleGradConfigs = [...kernelConfigs(AffineSampleGrad, jsKernel, opCall),
  ...kernelConfigs(AffineSample3dGrad, jsKernel, opCall)];
