// A one-node ONNX model, GridSample at opset 16, written as protobuf bytes in
// code (no onnx package needed): X [N, C, H, W] and Grid [N, Ho, Wo, 2] in,
// Y [N, C, Ho, Wo] out, its dimensions symbolic, so one model serves every
// shape. Field numbers are onnx.proto's.
import type {SamplerOptions} from './workload';

/** ONNX IR version 8 goes with opset 16 (ONNX 1.11), where GridSample first appears. */
const IR_VERSION = 8;
export const GRID_SAMPLE_OPSET = 16;

const enum Wire { varint = 0, bytes = 2 }
const enum AttributeType { int = 2, string = 3 }
const FLOAT = 1;  // TensorProto.DataType

function varint(value: number): number[] {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

const key = (field: number, wire: Wire) => varint(field * 8 + wire);
const int = (field: number, value: number) => [...key(field, Wire.varint), ...varint(value)];
const message = (field: number, body: number[]) => [...key(field, Wire.bytes), ...varint(body.length), ...body];
const string = (field: number, text: string) => message(field, [...Buffer.from(text, 'utf8')]);

/** ValueInfoProto of a float tensor; a dimension is a size or a symbol. */
function floatTensor(name: string, dims: (number|string)[]): number[] {
  // TensorShapeProto.dim: dim_value or dim_param
  const shape = dims.flatMap((d) => message(1, typeof d === 'number' ? int(1, d) : string(2, d)));
  const tensorType = [...int(1, FLOAT), ...message(2, shape)];         // TypeProto.Tensor
  return [...string(1, name), ...message(2, message(1, tensorType))];  // name, type.tensor_type
}

function attribute(name: string, value: number|string): number[] {
  return typeof value === 'number' ?
    [...string(1, name), ...int(20, AttributeType.int), ...int(3, value)] :
    [...string(1, name), ...int(20, AttributeType.string), ...string(4, value)];
}

/** The model's bytes, for `InferenceSession.create`. */
export function gridSampleModel(options: SamplerOptions): Uint8Array {
  const node = [
    ...string(1, 'X'), ...string(1, 'Grid'), ...string(2, 'Y'), ...string(3, 'sampler'), ...string(4, 'GridSample'),
    ...message(5, attribute('mode', options.mode)),
    ...message(5, attribute('padding_mode', options.padding)),
    ...message(5, attribute('align_corners', 0)),
  ];
  const graph = [
    ...message(1, node), ...string(2, 'grid_sample'),
    ...message(11, floatTensor('X', ['N', 'C', 'H', 'W'])),
    ...message(11, floatTensor('Grid', ['N', 'Ho', 'Wo', 2])),
    ...message(12, floatTensor('Y', ['N', 'C', 'Ho', 'Wo'])),
  ];
  return Uint8Array.from([
    ...int(1, IR_VERSION), ...string(2, 'tfjs-spatial-transformer bench'), ...message(7, graph),
    ...message(8, [...string(1, ''), ...int(2, GRID_SAMPLE_OPSET)]),
  ]);
}
