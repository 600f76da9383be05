import type {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';

import {readFloat32, sizeOf, writeFloat32} from '../backend_io';
import {AffineSampleGrad, AffineSampleGradAttrs, BACKENDS} from '../kernel_names';
import {native, SamplerShape} from '../native';

/** One native backward pass; outputs the requested gradients in the order [dInput, dTheta]. */
const kernelFunc: KernelFunc = ({inputs, backend, attrs}) => {
  const {dy, input, theta} = inputs as {dy: TensorInfo, input: TensorInfo, theta: TensorInfo};
  const {mode, paddingMode, alignCorners, size: [, ho, wo], computeInputGrad, computeThetaGrad} =
      attrs as AffineSampleGradAttrs;
  const [n, h, w, c] = input.shape;
  const gradInput = computeInputGrad ? new Float32Array(sizeOf(input.shape)) : null;
  const gradTheta = computeThetaGrad ? new Float32Array(sizeOf(theta.shape)) : null;
  native.affineSampleBackward(
      readFloat32(backend, dy, 'dy'), readFloat32(backend, input, 'input'),
      readFloat32(backend, theta, 'theta'), gradInput, gradTheta,
      [n, h, w, c, ho, wo, theta.shape[0]] as SamplerShape, native.Interpolation[mode], native.Padding[paddingMode],
      alignCorners);
  const outputs: TensorInfo[] = [];
  if (gradInput !== null) outputs.push(writeFloat32(backend, gradInput, input.shape));
  if (gradTheta !== null) outputs.push(writeFloat32(backend, gradTheta, theta.shape));
  return outputs;
};

export const affineSampleGradConfigs: KernelConfig[] =
    BACKENDS.map((backendName) => ({kernelName: AffineSampleGrad, backendName, kernelFunc}));
