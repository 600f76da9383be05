import type {KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';

import {readFloat32, uninitialisedFloat32, writeFloat32} from '../backend_io';
import {AffineGrid3dAttrs, AffineGrid3dGrad} from '../kernel_names';
import {native} from '../native';
import {boolAttr, kernelConfigs, TensorflowOpCall} from './configs';

const jsKernel: KernelFunc = ({inputs, backend, attrs}) => {
  const {dy} = inputs as {dy: TensorInfo};
  const {size: [n, od, ho, wo], alignCorners} = attrs as AffineGrid3dAttrs;
  const gradTheta = uninitialisedFloat32(n * 12);
  native.affineGrid3dBackward(readFloat32(backend, dy, 'dy'), gradTheta, n, od, ho, wo, alignCorners);
  return writeFloat32(backend, gradTheta, [n, 3, 4]);
};

const opCall: TensorflowOpCall = (op, backend, {dy}, attrs) =>
  backend.executeSingleOutput(op, [boolAttr(backend, 'align_corners', (attrs as AffineGrid3dAttrs).alignCorners)],
      [dy]);

export const affineGrid3dGradConfigs = kernelConfigs(AffineGrid3dGrad, jsKernel, opCall);
