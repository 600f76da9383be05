import type {KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';

import {readFloat32, sizeOf, uninitialisedFloat32, writeFloat32} from '../backend_io';
import {AffineGrid, AffineGridAttrs} from '../kernel_names';
import {native} from '../native';
import {boolAttr, kernelConfigs, TensorflowOpCall, withInt32Input} from './configs';

const jsKernel: KernelFunc = ({inputs, backend, attrs}) => {
  const {theta} = inputs as {theta: TensorInfo};
  const {size: [n, ho, wo], alignCorners} = attrs as AffineGridAttrs;
  const gridShape = [n, ho, wo, 2];
  const grid = uninitialisedFloat32(sizeOf(gridShape));
  native.affineGridForward(readFloat32(backend, theta, 'theta'), grid, n, ho, wo, alignCorners);
  return writeFloat32(backend, grid, gridShape);
};

const opCall: TensorflowOpCall = (op, backend, {theta}, attrs) => {
  const {size: [, ho, wo], alignCorners} = attrs as AffineGridAttrs;
  return withInt32Input(backend, [ho, wo], (size) =>
    backend.executeSingleOutput(op, [boolAttr(backend, 'align_corners', alignCorners)], [theta, size]));
};

export const affineGridConfigs = kernelConfigs(AffineGrid, jsKernel, opCall);
