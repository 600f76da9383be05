// The backward kernel of tf.image.cropAndResize: one pass for the requested
// gradients, output in the order [dImage, dBoxes]. 'cpu': the native kernel.
// 'tensorflow': TensorFlow's own CropAndResizeGradImage and
// CropAndResizeGradBoxes, the gradients of the forward tfjs-node runs there;
// TF's boxes gradient accepts only 'bilinear', so 'nearest' gives the boxes
// zeros, as our kernel does.
import type {DataId, KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';

import {readFloat32, sizeOf, uninitialisedFloat32, writeFloat32} from '../backend_io';
import {CropAndResizeGrad, CropAndResizeGradAttrs} from '../kernel_names';
import {native} from '../native';
import {fail} from '../validate';
import {checkCropAndResize, imageValues, readBoxInd} from './CropAndResize';
import {TensorflowBackend, TfAttr, withInt32Input} from './configs';

interface Inputs {
  dy: TensorInfo;
  image: TensorInfo;
  boxes: TensorInfo;
  boxInd: TensorInfo;
}

const cpuKernel: KernelFunc = ({inputs, backend, attrs}) => {
  const {dy, image, boxes, boxInd} = inputs as unknown as Inputs;
  const a = attrs as CropAndResizeGradAttrs;
  const shape = checkCropAndResize(image, boxes, boxInd, a);
  const indices = readBoxInd(backend, boxInd, shape[0]);
  const gradImage = a.computeImageGrad ? uninitialisedFloat32(sizeOf(image.shape)) : null;
  const gradBoxes = a.computeBoxesGrad ? uninitialisedFloat32(sizeOf(boxes.shape)) : null;
  native.cropAndResizeBackward(readFloat32(backend, dy, 'dy'), imageValues(backend, image),
      readFloat32(backend, boxes, 'boxes'), indices, gradImage, gradBoxes, shape, native.Interpolation[a.method]);
  const outputs: TensorInfo[] = [];
  if (gradImage !== null) outputs.push(writeFloat32(backend, gradImage, image.shape));
  if (gradBoxes !== null) outputs.push(writeFloat32(backend, gradBoxes, boxes.shape));
  return outputs;
};

interface TensorflowTypes {
  binding: TensorflowBackend['binding'] & {TF_ATTR_TYPE: number, TF_FLOAT: number, TF_INT32: number};
}

const tensorflowKernel: KernelFunc = ({inputs, backend: b, attrs}) => {
  const {dy, image, boxes, boxInd} = inputs as unknown as Inputs;
  const a = attrs as CropAndResizeGradAttrs;
  checkCropAndResize(image, boxes, boxInd, a);
  const backend = b as unknown as TensorflowBackend & TensorflowTypes;
  const {binding} = backend;
  const type = (dtype: string): TfAttr =>
    ({name: 'T', type: binding.TF_ATTR_TYPE, value: dtype === 'int32' ? binding.TF_INT32 : binding.TF_FLOAT});
  const method = (value: string): TfAttr => ({name: 'method', type: binding.TF_ATTR_STRING, value});
  const outputs: TensorInfo[] = [];
  if (a.computeImageGrad) {
    // image_size is an input, int32: TF's own kernel limits.
    outputs.push(withInt32Input(backend, image.shape, (size) => backend.executeSingleOutput('CropAndResizeGradImage',
        [type('float32'), method(a.method)], [dy, boxes, boxInd, size])) ??
        fail('cropAndResize', 'image', 'dimensions within int32 on \'tensorflow\'', image.shape));
  }
  if (a.computeBoxesGrad) {
    outputs.push(a.method === 'nearest' ? zeros(backend, boxes.shape) :
        backend.executeSingleOutput('CropAndResizeGradBoxes', [type(image.dtype), method('bilinear')],
            [dy, image, boxes, boxInd]));
  }
  return outputs;
};

function zeros(backend: TensorflowBackend, shape: number[]): TensorInfo {
  const dataId: DataId = backend.write(new Float32Array(sizeOf(shape)), shape, 'float32');
  return {dataId, shape, dtype: 'float32'};
}

export const cropAndResizeGradConfigs: KernelConfig[] = [
  {kernelName: CropAndResizeGrad, backendName: 'tensorflow', kernelFunc: tensorflowKernel},
  {kernelName: CropAndResizeGrad, backendName: 'cpu', kernelFunc: cpuKernel},
];
