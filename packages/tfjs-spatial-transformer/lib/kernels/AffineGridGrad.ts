import type {KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';

import {readFloat32, uninitialisedFloat32, writeFloat32} from '../backend_io';
import {AffineGridAttrs, AffineGridGrad} from '../kernel_names';
import {native} from '../native';
import {boolAttr, kernelConfigs, TensorflowOpCall} from './configs';

const jsKernel: KernelFunc = ({inputs, backend, attrs}) => {
  const {dy} = inputs as {dy: TensorInfo};
  const {size: [n, ho, wo], alignCorners} = attrs as AffineGridAttrs;
  const gradTheta = uninitialisedFloat32(n * 6);
  native.affineGridBackward(readFloat32(backend, dy, 'dy'), gradTheta, n, ho, wo, alignCorners);
  return writeFloat32(backend, gradTheta, [n, 2, 3]);
};

const opCall: TensorflowOpCall = (op, backend, {dy}, attrs) =>
  backend.executeSingleOutput(op, [boolAttr(backend, 'align_corners', (attrs as AffineGridAttrs).alignCorners)],
      [dy]);

export const affineGridGradConfigs = kernelConfigs(AffineGridGrad, jsKernel, opCall);
