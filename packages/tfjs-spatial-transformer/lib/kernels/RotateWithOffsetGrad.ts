import type {KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';

import {readFloat32, sizeOf, uninitialisedFloat32, writeFloat32} from '../backend_io';
import {RotateWithOffsetAttrs, RotateWithOffsetGrad} from '../kernel_names';
import {native} from '../native';
import {kernelConfigs, TensorflowOpCall} from './configs';
import {checkRotateWithOffset, withRotation} from './RotateWithOffset';

// The image's gradient: dy (the image's shape) scattered to the pixels the
// forward read. The rotation is the forward's, from the same attributes.
const jsKernel: KernelFunc = ({inputs, backend, attrs}) => {
  const {dy} = inputs as {dy: TensorInfo};
  const a = checkRotateWithOffset(dy, attrs as RotateWithOffsetAttrs);
  const gradImage = uninitialisedFloat32(sizeOf(a.shape));
  native.rotateWithOffsetBackward(readFloat32(backend, dy, 'dy'), gradImage, a.shape, a.rotation);
  return writeFloat32(backend, gradImage, a.shape);
};

const opCall: TensorflowOpCall = (op, backend, {dy}, attrs) => {
  const a = checkRotateWithOffset(dy, attrs as RotateWithOffsetAttrs);
  return withRotation(backend, a.rotation, (rotation) => backend.executeSingleOutput(op, [], [dy, rotation]));
};

export const rotateWithOffsetGradConfigs = kernelConfigs(RotateWithOffsetGrad, jsKernel, opCall);
