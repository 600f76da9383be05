// tfjs's CropAndResize kernel (tf.image.cropAndResize) on 'cpu': TensorFlow's
// CropAndResize by the native kernel (native/crop_and_resize.h), replacing
// tfjs-backend-cpu's JS loop. 'tensorflow' keeps tfjs-node's kernel, which
// runs TensorFlow's own op.
import type {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';

import {readFloat32, sizeOf, uninitialisedFloat32, writeFloat32} from '../backend_io';
import {CropAndResize, CropAndResizeAttrs} from '../kernel_names';
import {CropShape, native} from '../native';
import {fail} from '../validate';

const OP = 'cropAndResize';
const METHODS = ['bilinear', 'nearest'] as const;

/** The checks of tfjs's op and of the attributes, before any native call; the native shape. */
export function checkCropAndResize(image: TensorInfo, boxes: TensorInfo, boxInd: TensorInfo,
    attrs: CropAndResizeAttrs): CropShape {
  if (image.shape.length !== 4) fail(OP, 'image', 'a 4-D tensor [N, H, W, C]', image.shape);
  if (image.dtype !== 'float32' && image.dtype !== 'int32') fail(OP, 'image', 'a float32 or int32 tensor', image.dtype);
  const [n, h, w, c] = image.shape;
  if (boxes.dtype !== 'float32' || boxes.shape.length !== 2 || boxes.shape[1] !== 4) {
    fail(OP, 'boxes', 'a float32 tensor [numBoxes, 4]', `${boxes.dtype} [${boxes.shape}]`);
  }
  const count = boxes.shape[0];
  if (boxInd.dtype !== 'int32' || boxInd.shape.length !== 1 || boxInd.shape[0] !== count) {
    fail(OP, 'boxInd', `an int32 tensor [${count}] (one per box)`, `${boxInd.dtype} [${boxInd.shape}]`);
  }
  const size: unknown = attrs.cropSize;
  if (!Array.isArray(size) || size.length !== 2 || !size.every((d) => Number.isSafeInteger(d) && d > 0)) {
    fail(OP, 'cropSize', '[cropHeight, cropWidth] of positive integers', size);
  }
  if (!(METHODS as readonly string[]).includes(attrs.method)) {
    fail(OP, 'method', `one of ${METHODS.map((m) => `'${m}'`).join(', ')}`, attrs.method);
  }
  if (typeof attrs.extrapolationValue !== 'number') {
    fail(OP, 'extrapolationValue', 'a number', attrs.extrapolationValue);
  }
  return [n, h, w, c, count, size[0] as number, size[1] as number];
}

/** The image as float32 (an int32 image, e.g. a decoded one, is converted). */
export function imageValues(backend: {}, image: TensorInfo): Float32Array {
  if (image.dtype === 'float32') return readFloat32(backend, image, 'image');
  return Float32Array.from((backend as {readSync(id: unknown): Int32Array}).readSync(image.dataId));
}

/** boxInd's values, each checked to be in [0, N) as TensorFlow does (tfjs-backend-cpu skipped or misread them). */
export function readBoxInd(backend: {}, boxInd: TensorInfo, n: number): Int32Array {
  const values = (backend as {readSync(id: unknown): unknown}).readSync(boxInd.dataId);
  if (!(values instanceof Int32Array)) return fail(OP, 'boxInd', 'an int32 tensor', boxInd.dtype);
  const bad = values.findIndex((i) => !(i >= 0 && i < n));
  if (bad >= 0) fail(OP, `boxInd[${bad}]`, `an image index in [0, ${n})`, values[bad]);
  return values;
}

const cpuKernel: KernelFunc = ({inputs, backend, attrs}) => {
  const {image, boxes, boxInd} = inputs as {image: TensorInfo, boxes: TensorInfo, boxInd: TensorInfo};
  const a = attrs as CropAndResizeAttrs;
  const shape = checkCropAndResize(image, boxes, boxInd, a);
  const indices = readBoxInd(backend, boxInd, shape[0]);
  const outShape = [shape[4], shape[5], shape[6], shape[3]];
  const output = uninitialisedFloat32(sizeOf(outShape));
  native.cropAndResizeForward(imageValues(backend, image), readFloat32(backend, boxes, 'boxes'), indices, output,
      shape, native.Interpolation[a.method], a.extrapolationValue);
  return writeFloat32(backend, output, outShape);
};

export const cropAndResizeConfigs: KernelConfig[] =
    [{kernelName: CropAndResize, backendName: 'cpu', kernelFunc: cpuKernel}];
