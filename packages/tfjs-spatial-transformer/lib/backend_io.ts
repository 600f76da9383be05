// Reading and writing tensor data inside a kernel, the same way on both backends.
//
// 'cpu': readSync returns the backend's own Float32Array and write stores ours
// by reference, so nothing is copied.
// 'tensorflow': readSync copies a TF-held tensor into JS once (a tensor still
// held in JS, e.g. a fresh output of our kernels, is returned as is); write
// keeps our array in JS, and TF copies it when a TF op first consumes it.
import type {DataId, DataType, TensorInfo} from '@tensorflow/tfjs-core';

interface DataBackend {
  readSync(dataId: DataId): unknown;
  write(values: Float32Array, shape: number[], dtype: DataType): DataId;
}

export function readFloat32(backend: {}, info: TensorInfo, name: string): Float32Array {
  const values = (backend as DataBackend).readSync(info.dataId);
  if (!(values instanceof Float32Array)) {
    throw new TypeError(`${name} must be a float32 tensor, but got ${info.dtype}`);
  }
  return values;
}

export function writeFloat32(backend: {}, values: Float32Array, shape: number[]): TensorInfo {
  return {dataId: (backend as DataBackend).write(values, shape, 'float32'), shape, dtype: 'float32'};
}

/**
 * A Float32Array of `length` elements whose contents are not initialised
 * (Buffer.allocUnsafeSlow: not zeroed, not pooled): for an output the kernel
 * fully writes (native/kernel_calls.h), so that it is not zeroed twice.
 */
export function uninitialisedFloat32(length: number): Float32Array {
  return new Float32Array(Buffer.allocUnsafeSlow(length * 4).buffer, 0, length);
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
