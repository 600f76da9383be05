// tfjs's Transform kernel (tf.image.transform) on both backends: TensorFlow's
// ImageProjectiveTransformV3, batched, by the native kernel
// (native/image_transform.h). Replaces tfjs-backend-cpu's, which fills only
// the first image of a batch, and gives 'tensorflow' the kernel it lacks.
import type {KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';

import {readFloat32, sizeOf, uninitialisedFloat32, writeFloat32} from '../backend_io';
import {Transform, TransformAttrs} from '../kernel_names';
import {native, TransformShape} from '../native';
import {FILL_MODES} from '../vocabulary';
import {kernelConfigs, TensorflowBackend, TensorflowOpCall, TfAttr, withInt32Input} from './configs';

const OP = 'transform';
const INTERPOLATIONS = ['bilinear', 'nearest'] as const;

function fail(name: string, expected: string, got: unknown): never {
  throw new Error(`${OP}: ${name} must be ${expected}, but got ${JSON.stringify(got) ?? String(got)}`);
}

/** The checks of tfjs's op, and of the attributes, before any native call; the output [Ho, Wo]. */
export function checkTransform(image: TensorInfo, transforms: TensorInfo, attrs: TransformAttrs): [number, number] {
  if (image.shape.length !== 4) fail('image', 'a 4-D tensor [N, H, W, C]', image.shape);
  if (image.dtype !== 'float32') fail('image', 'a float32 tensor', image.dtype);
  const [n] = image.shape;
  if (transforms.dtype !== 'float32' || transforms.shape.length !== 2 || transforms.shape[1] !== 8 ||
      (transforms.shape[0] !== n && transforms.shape[0] !== 1)) {
    fail('transforms', `a float32 tensor ${n === 1 ? '[1, 8]' : `[${n}, 8] or [1, 8]`}`, `${transforms.dtype} [${transforms.shape}]`);
  }
  if (!(INTERPOLATIONS as readonly string[]).includes(attrs.interpolation)) {
    fail('interpolation', `one of ${INTERPOLATIONS.map((m) => `'${m}'`).join(', ')}`, attrs.interpolation);
  }
  if (!(FILL_MODES as readonly string[]).includes(attrs.fillMode)) {
    fail('fillMode', `one of ${FILL_MODES.map((m) => `'${m}'`).join(', ')}`, attrs.fillMode);
  }
  if (typeof attrs.fillValue !== 'number') fail('fillValue', 'a number', attrs.fillValue);
  const out: unknown = (attrs.outputShape as number[]|null|undefined) ?? [image.shape[1], image.shape[2]];
  if (!Array.isArray(out) || out.length !== 2 || !out.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    fail('outputShape', '[height, width] of non-negative integers, or null', attrs.outputShape);
  }
  return [out[0] as number, out[1] as number];
}

export function transformShape(image: TensorInfo, transforms: TensorInfo, [ho, wo]: [number, number]): TransformShape {
  const [n, h, w, c] = image.shape;
  return [n, h, w, c, ho, wo, transforms.shape[0]];
}

const jsKernel: KernelFunc = ({inputs, backend, attrs}) => {
  const {image, transforms} = inputs as {image: TensorInfo, transforms: TensorInfo};
  const a = attrs as TransformAttrs;
  const size = checkTransform(image, transforms, a);
  const shape = transformShape(image, transforms, size);
  const outShape = [shape[0], size[0], size[1], shape[3]];
  const output = uninitialisedFloat32(sizeOf(outShape));
  native.imageTransformForward(readFloat32(backend, image, 'image'), readFloat32(backend, transforms, 'transforms'),
      output, shape, native.Interpolation[a.interpolation], native.FillMode[a.fillMode], a.fillValue);
  return writeFloat32(backend, output, outShape);
};

/** The transform ops' attributes (native/tf_ops.cc): interpolation, fill_mode. */
export function transformAttrs(backend: TensorflowBackend, a: TransformAttrs): TfAttr[] {
  const string = backend.binding.TF_ATTR_STRING;
  return [{name: 'interpolation', type: string, value: a.interpolation}, {name: 'fill_mode', type: string, value: a.fillMode}];
}

/** Runs `run` with fill_value as a float32 scalar input, disposed afterwards. */
export function withFillValue<T>(backend: TensorflowBackend, value: number, run: (fill: TensorInfo) => T): T {
  const dataId = backend.write(Float32Array.of(value), [], 'float32');
  try {
    return run({dataId, shape: [], dtype: 'float32'});
  } finally {
    backend.disposeData(dataId);
  }
}

const opCall: TensorflowOpCall = (op, backend, {image, transforms}, attrs) => {
  const a = attrs as TransformAttrs;
  const [ho, wo] = checkTransform(image, transforms, a);
  return withInt32Input(backend, [ho, wo], (size) => withFillValue(backend, a.fillValue, (fill) =>
    backend.executeSingleOutput(op, transformAttrs(backend, a), [image, transforms, size, fill])));
};

export const transformConfigs = kernelConfigs(Transform, jsKernel, opCall);
