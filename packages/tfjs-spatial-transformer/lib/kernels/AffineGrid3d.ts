import type {KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';

import {readFloat32, sizeOf, uninitialisedFloat32, writeFloat32} from '../backend_io';
import {AffineGrid3d, AffineGrid3dAttrs} from '../kernel_names';
import {native} from '../native';
import {boolAttr, kernelConfigs, TensorflowOpCall, withInt32Input} from './configs';

const jsKernel: KernelFunc = ({inputs, backend, attrs}) => {
  const {theta} = inputs as {theta: TensorInfo};
  const {size: [n, od, ho, wo], alignCorners} = attrs as AffineGrid3dAttrs;
  const gridShape = [n, od, ho, wo, 3];
  const grid = uninitialisedFloat32(sizeOf(gridShape));
  native.affineGrid3dForward(readFloat32(backend, theta, 'theta'), grid, n, od, ho, wo, alignCorners);
  return writeFloat32(backend, grid, gridShape);
};

const opCall: TensorflowOpCall = (op, backend, {theta}, attrs) => {
  const {size: [, od, ho, wo], alignCorners} = attrs as AffineGrid3dAttrs;
  return withInt32Input(backend, [od, ho, wo], (size) =>
    backend.executeSingleOutput(op, [boolAttr(backend, 'align_corners', alignCorners)], [theta, size]));
};

export const affineGrid3dConfigs = kernelConfigs(AffineGrid3d, jsKernel, opCall);
