// The displacement-field warps, 2-D (FlowWarp) and volumes (FlowWarp3d): the
// same kernel code for both ranks, the native entry chosen by the flow's rank.
import type {KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';

import {readFloat32, sizeOf, uninitialisedFloat32, writeFloat32} from '../backend_io';
import {FlowWarp, FlowWarp3d, FlowWarpAttrs} from '../kernel_names';
import {native} from '../native';
import {kernelConfigs, TensorflowOpCall, TensorflowBackend, TfAttr} from './configs';

/** The flow ops' attributes (native/tf_ops.cc): mode, padding_mode. */
export function flowAttrs(backend: TensorflowBackend, attrs: FlowWarpAttrs): TfAttr[] {
  const string = backend.binding.TF_ATTR_STRING;
  return [{name: 'mode', type: string, value: attrs.mode}, {name: 'padding_mode', type: string, value: attrs.paddingMode}];
}

/** The native shape: input's dims then the flow's spatial dims. */
export function flowShape(input: TensorInfo, flow: TensorInfo): number[] {
  return [...input.shape, ...flow.shape.slice(1, -1)];
}

const jsKernel: KernelFunc = ({inputs, backend, attrs}) => {
  const {input, flow} = inputs as {input: TensorInfo, flow: TensorInfo};
  const {mode, paddingMode} = attrs as FlowWarpAttrs;
  const outShape = [...flow.shape.slice(0, -1), input.shape[input.shape.length - 1]];
  const output = uninitialisedFloat32(sizeOf(outShape));
  const run = flow.shape.length === 5 ? native.flowWarp3dForward : native.flowWarpForward;
  (run as (...args: unknown[]) => void)(readFloat32(backend, input, 'input'), readFloat32(backend, flow, 'flow'),
      output, flowShape(input, flow), native.Interpolation[mode], native.Padding[paddingMode]);
  return writeFloat32(backend, output, outShape);
};

const opCall: TensorflowOpCall = (op, backend, {input, flow}, attrs) =>
  backend.executeSingleOutput(op, flowAttrs(backend, attrs as FlowWarpAttrs), [input, flow]);

export const flowWarpConfigs = [...kernelConfigs(FlowWarp, jsKernel, opCall),
  ...kernelConfigs(FlowWarp3d, jsKernel, opCall)];
