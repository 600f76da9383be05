// tfjs's RotateWithOffset kernel (tf.image.rotateWithOffset) on both
// backends: tfjs-backend-cpu's semantics (native/rotate_with_offset.h), by
// the native kernel. Replaces tfjs-backend-cpu's JS loop on 'cpu' and gives
// 'tensorflow' the kernel it lacks.
import type {KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';

import {readFloat32, sizeOf, uninitialisedFloat32, writeFloat32} from '../backend_io';
import {RotateWithOffset, RotateWithOffsetAttrs} from '../kernel_names';
import {native} from '../native';
import {kernelConfigs, TensorflowBackend, TensorflowOpCall, withInt32Input} from './configs';

const OP = 'rotateWithOffset';

function fail(name: string, expected: string, got: unknown): never {
  throw new Error(`${OP}: ${name} must be ${expected}, but got ${JSON.stringify(got) ?? String(got)}`);
}

const isNumber = (v: unknown): v is number => typeof v === 'number';

/** What the native kernel takes: the shape, each channel's fill, the rotation in float64. */
export interface RotateArgs {
  shape: [number, number, number, number];
  fill: Float32Array;
  /** [cos, sin, cx, cy], as tfjs-backend-cpu computes them. */
  rotation: Float64Array;
}

/**
 * The checks of tfjs's op (image: float32, rank 4), and of the attributes it
 * passes on unchecked, before any native call; then the kernel's arguments.
 * NaN or infinite radians or centre are accepted: every pixel is then the
 * fill, as in tfjs-backend-cpu.
 */
export function checkRotateWithOffset(image: TensorInfo, attrs: RotateWithOffsetAttrs): RotateArgs {
  if (image.shape.length !== 4) fail('image', 'a 4-D tensor [N, H, W, C]', image.shape);
  if (image.dtype !== 'float32') fail('image', 'a float32 tensor', image.dtype);
  const {radians, fillValue, center} = attrs as {radians: unknown, fillValue: unknown, center: unknown};
  if (!isNumber(radians)) fail('radians', 'a number', radians);
  if (!isNumber(fillValue) && !(Array.isArray(fillValue) && fillValue.length === 3 && fillValue.every(isNumber))) {
    fail('fillValue', 'a number or an array of 3 numbers [r, g, b]', fillValue);
  }
  if (!isNumber(center) && !(Array.isArray(center) && center.length === 2 && center.every(isNumber))) {
    fail('center', 'a number or an array of 2 numbers [x, y]', center);
  }
  const shape = image.shape as [number, number, number, number];
  const [, h, w, c] = shape;
  // tfjs-backend-cpu: an [r, g, b] fill gives channel 3 (alpha) 255, and
  // channels past it fillValue[channel], undefined: NaN.
  const fill = new Float32Array(c);
  for (let k = 0; k < c; k++) fill[k] = isNumber(fillValue) ? fillValue : k === 3 ? 255 : k < 3 ? fillValue[k] : NaN;
  // backend_util.getImageCenter, and Math.cos/sin as tfjs computes them.
  const [cx, cy] = isNumber(center) ? [w * center, h * center] : [w * center[0], h * center[1]];
  return {shape, fill, rotation: Float64Array.of(Math.cos(radians), Math.sin(radians), cx, cy)};
}

const jsKernel: KernelFunc = ({inputs, backend, attrs}) => {
  const {image} = inputs as {image: TensorInfo};
  const a = checkRotateWithOffset(image, attrs as RotateWithOffsetAttrs);
  const output = uninitialisedFloat32(sizeOf(a.shape));
  native.rotateWithOffsetForward(readFloat32(backend, image, 'image'), a.fill, output, a.shape, a.rotation);
  return writeFloat32(backend, output, a.shape);
};

/**
 * Runs `run` with the rotation as an int32 [8] input holding the bits of the
 * float64 [cos, sin, cx, cy] (tfjs has no float64 tensor), disposed afterwards.
 */
export function withRotation<T>(backend: TensorflowBackend, rotation: Float64Array, run: (r: TensorInfo) => T): T {
  return withInt32Input(backend, new Int32Array(rotation.buffer, rotation.byteOffset, 2 * rotation.length), run)!;
}

const opCall: TensorflowOpCall = (op, backend, {image}, attrs) => {
  const a = checkRotateWithOffset(image, attrs as RotateWithOffsetAttrs);
  const fillId = backend.write(a.fill, [a.fill.length], 'float32');
  try {
    return withRotation(backend, a.rotation, (rotation) => backend.executeSingleOutput(op, [],
        [image, rotation, {dataId: fillId, shape: [a.fill.length], dtype: 'float32'}]));
  } finally {
    backend.disposeData(fillId);
  }
};

export const rotateWithOffsetConfigs = kernelConfigs(RotateWithOffset, jsKernel, opCall);
