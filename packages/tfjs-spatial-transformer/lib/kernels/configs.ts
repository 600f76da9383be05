// A kernel's KernelConfigs for both backends. 'cpu' runs the JS-path kernel
// (backend_io.ts: zero-copy there); 'tensorflow' runs the kernel's TensorFlow
// op when the TF-op path is active (tensorflow_ops.ts), else the JS path.
import type {DataId, KernelConfig, KernelFunc, NamedAttrMap, TensorInfo} from '@tensorflow/tfjs-core';

import {GridSampleAttrs} from '../kernel_names';
import {tensorflowOpName} from '../tensorflow_ops';

/** The part of tfjs-node's NodeJSKernelBackend that runs TensorFlow ops. */
export interface TensorflowBackend {
  executeSingleOutput(name: string, attrs: TfAttr[], inputs: TensorInfo[]): TensorInfo;
  executeMultipleOutputs(name: string, attrs: TfAttr[], inputs: TensorInfo[], numOutputs: number): TensorInfo[];
  write(values: Int32Array|Float32Array, shape: number[], dtype: 'int32'|'float32'): DataId;
  disposeData(dataId: DataId): boolean;
  binding: {TF_ATTR_STRING: number, TF_ATTR_BOOL: number};
}

/** An op attribute as tfjs-node passes it to TensorFlow (a number: a TYPE attribute's dtype). */
export interface TfAttr {
  name: string;
  type: number;
  value: string|boolean|number;
}

/** Runs a kernel as the TensorFlow op `op`; null: these arguments take the JS path. */
export type TensorflowOpCall = (op: string, backend: TensorflowBackend, inputs: Record<string, TensorInfo>,
    attrs: NamedAttrMap) => TensorInfo|TensorInfo[]|null;

export function kernelConfigs(kernelName: string, jsKernel: KernelFunc,
    opCall: TensorflowOpCall): KernelConfig[] {
  const tensorflowKernel: KernelFunc = (args) => {
    const op = tensorflowOpName(kernelName);
    const outputs = op === null ? null :
        opCall(op, args.backend as unknown as TensorflowBackend, args.inputs as Record<string, TensorInfo>,
            args.attrs ?? {});
    return outputs ?? jsKernel(args);
  };
  return [
    {kernelName, backendName: 'tensorflow', kernelFunc: tensorflowKernel},
    {kernelName, backendName: 'cpu', kernelFunc: jsKernel},
  ];
}

export function boolAttr(backend: TensorflowBackend, name: string, value: boolean): TfAttr {
  return {name, type: backend.binding.TF_ATTR_BOOL, value};
}

/** The sampler ops' attributes (native/tf_ops.cc): mode, padding_mode, align_corners. */
export function samplerAttrs(backend: TensorflowBackend, attrs: GridSampleAttrs): TfAttr[] {
  const string = backend.binding.TF_ATTR_STRING;
  return [
    {name: 'mode', type: string, value: attrs.mode},
    {name: 'padding_mode', type: string, value: attrs.paddingMode},
    boolAttr(backend, 'align_corners', attrs.alignCorners),
  ];
}

/**
 * A sampler's native shape: the input's dims, the output's spatial dims
 * (the grid's, or the requested size's), then the grid's or theta's batch
 * size (N, or 1 for one shared by the batch).
 */
export function samplerShape(input: TensorInfo, spatial: readonly number[], batch: number): number[] {
  return [...input.shape, ...spatial, batch];
}

const INT32_MIN = -(2 ** 31), INT32_MAX = 2 ** 31 - 1;

/**
 * Runs `run` with `values` (an output size, a pool's window, a rotation's
 * bits) as an int32 tensor input [values.length] (a per-call number is an
 * input, never an attribute: TF keeps one kernel per distinct attribute set),
 * disposed afterwards; null (the JS path) when a value is not an int32.
 */
export function withInt32Input<T>(backend: TensorflowBackend, values: Int32Array|readonly number[],
    run: (input: TensorInfo) => T): T|null {
  if (!(values instanceof Int32Array) && values.some((v) => !Number.isInteger(v) || v < INT32_MIN || v > INT32_MAX)) {
    return null;
  }
  const dataId = backend.write(Int32Array.from(values), [values.length], 'int32');
  try {
    return run({dataId, shape: [values.length], dtype: 'int32'});
  } finally {
    backend.disposeData(dataId);
  }
}

/** The requested gradients of a two-gradient op, in order; the others (empty) are disposed. */
export function requestedGradients(outputs: TensorInfo[], requested: [boolean, boolean]): TensorInfo[] {
  const kept: TensorInfo[] = [];
  outputs.forEach((output, i) => {
    if (requested[i]) kept.push(output);
    else (output as unknown as {dispose(): void}).dispose();
  });
  return kept;
}
