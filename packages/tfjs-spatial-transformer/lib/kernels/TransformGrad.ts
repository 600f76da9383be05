import type {KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';

import {readFloat32, sizeOf, uninitialisedFloat32, writeFloat32} from '../backend_io';
import {TransformGrad, TransformGradAttrs} from '../kernel_names';
import {native} from '../native';
import {boolAttr, kernelConfigs, requestedGradients, TensorflowOpCall} from './configs';
import {checkTransform, transformAttrs, transformShape, withFillValue} from './Transform';

/** One native backward pass; outputs the requested gradients in the order [dImage, dTransforms]. */
const jsKernel: KernelFunc = ({inputs, backend, attrs}) => {
  const {dy, image, transforms} = inputs as {dy: TensorInfo, image: TensorInfo, transforms: TensorInfo};
  const a = attrs as TransformGradAttrs;
  const shape = transformShape(image, transforms, checkTransform(image, transforms, a));
  const gradImage = a.computeImageGrad ? uninitialisedFloat32(sizeOf(image.shape)) : null;
  const gradTransforms = a.computeTransformsGrad ? uninitialisedFloat32(sizeOf(transforms.shape)) : null;
  native.imageTransformBackward(readFloat32(backend, dy, 'dy'), readFloat32(backend, image, 'image'),
      readFloat32(backend, transforms, 'transforms'), gradImage, gradTransforms, shape,
      native.Interpolation[a.interpolation], native.FillMode[a.fillMode], a.fillValue);
  const outputs: TensorInfo[] = [];
  if (gradImage !== null) outputs.push(writeFloat32(backend, gradImage, image.shape));
  if (gradTransforms !== null) outputs.push(writeFloat32(backend, gradTransforms, transforms.shape));
  return outputs;
};

// The output size is dy's: no size input.
const opCall: TensorflowOpCall = (op, backend, {dy, image, transforms}, attrs) => {
  const a = attrs as TransformGradAttrs;
  checkTransform(image, transforms, a);
  const opAttrs = [...transformAttrs(backend, a), boolAttr(backend, 'compute_images_grad', a.computeImageGrad),
    boolAttr(backend, 'compute_transforms_grad', a.computeTransformsGrad)];
  return withFillValue(backend, a.fillValue, (fill) => requestedGradients(
      backend.executeMultipleOutputs(op, opAttrs, [dy, image, transforms, fill], 2),
      [a.computeImageGrad, a.computeTransformsGrad]));
};

export const transformGradConfigs = kernelConfigs(TransformGrad, jsKernel, opCall);
