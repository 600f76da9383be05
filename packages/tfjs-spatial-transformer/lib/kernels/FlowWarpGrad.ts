import type {KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';

import {readFloat32, sizeOf, uninitialisedFloat32, writeFloat32} from '../backend_io';
import {FlowWarp3dGrad, FlowWarpGrad, FlowWarpGradAttrs} from '../kernel_names';
import {native} from '../native';
import {boolAttr, kernelConfigs, requestedGradients, TensorflowOpCall} from './configs';
import {flowAttrs, flowShape} from './FlowWarp';

/** One native backward pass; outputs the requested gradients in the order [dInput, dFlow]. */
const jsKernel: KernelFunc = ({inputs, backend, attrs}) => {
  const {dy, input, flow} = inputs as {dy: TensorInfo, input: TensorInfo, flow: TensorInfo};
  const {mode, paddingMode, computeInputGrad, computeFlowGrad} = attrs as FlowWarpGradAttrs;
  const gradInput = computeInputGrad ? uninitialisedFloat32(sizeOf(input.shape)) : null;
  const gradFlow = computeFlowGrad ? uninitialisedFloat32(sizeOf(flow.shape)) : null;
  const run = flow.shape.length === 5 ? native.flowWarp3dBackward : native.flowWarpBackward;
  (run as (...args: unknown[]) => void)(readFloat32(backend, dy, 'dy'), readFloat32(backend, input, 'input'),
      readFloat32(backend, flow, 'flow'), gradInput, gradFlow, flowShape(input, flow), native.Interpolation[mode],
      native.Padding[paddingMode]);
  const outputs: TensorInfo[] = [];
  if (gradInput !== null) outputs.push(writeFloat32(backend, gradInput, input.shape));
  if (gradFlow !== null) outputs.push(writeFloat32(backend, gradFlow, flow.shape));
  return outputs;
};

const opCall: TensorflowOpCall = (op, backend, {dy, input, flow}, attrs) => {
  const a = attrs as FlowWarpGradAttrs;
  const opAttrs = [...flowAttrs(backend, a), boolAttr(backend, 'compute_input_grad', a.computeInputGrad),
    boolAttr(backend, 'compute_flow_grad', a.computeFlowGrad)];
  return requestedGradients(backend.executeMultipleOutputs(op, opAttrs, [dy, input, flow], 2),
      [a.computeInputGrad, a.computeFlowGrad]);
};

export const flowWarpGradConfigs = [...kernelConfigs(FlowWarpGrad, jsKernel, opCall),
  ...kernelConfigs(FlowWarp3dGrad, jsKernel, opCall)];
