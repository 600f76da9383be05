// The N-API boundary under hostile arguments, against the addon directly
// (lib/native.ts): views with a byteOffset, SharedArrayBuffer and resizable
// buffers, detached buffers, wrong lengths, element types, argument counts,
// shapes and enums, and aliasing outputs. Every bad call is a TypeError or
// RangeError naming the function and the argument, never a crash; every
// good view gives the same bits as a plain array and writes nothing outside
// itself.
import type {Tensor, Tensor2D, Tensor4D, Tensor5D} from '@tensorflow/tfjs-node';
import {describe, expect, test} from 'vitest';

import {native, NativeKernels, SamplerShape} from '../lib/native';
import {expectBitwise, literally, MODES, numberedList, PADDINGS, randomArray, rng, useBackend} from './helpers';

const SHAPE: SamplerShape = [2, 3, 4, 5, 2, 3];  // n, h, w, c, ho, wo
const [N, H, W, C, HO, WO] = SHAPE;
const INPUT = N * H * W * C, GRID = N * HO * WO * 2, OUTPUT = N * HO * WO * C;
const THETA = N * 6, AGRID = N * HO * WO * 2;
const {bilinear} = native.Interpolation;
const {reflection} = native.Padding;

const random = rng(606);
const input = randomArray(random, INPUT);
const grid = randomArray(random, GRID, -1.2, 1.2);
const gradOutput = randomArray(random, OUTPUT);
const theta = randomArray(random, THETA);

// ES2024 resizable buffers (Node >= 20), not yet in this TypeScript lib.
type Resizable = ArrayBuffer & {resize(bytes: number): void};
const ResizableArrayBuffer =
    ArrayBuffer as unknown as new (bytes: number, options: {maxByteLength: number}) => Resizable;
const GrowableSharedArrayBuffer = SharedArrayBuffer as unknown as
    new (bytes: number, options: {maxByteLength: number}) => SharedArrayBuffer;

const SURFACES: [string, NativeKernels][] = [['threaded', native], ['reference', native.reference]];

/** Plain-array results of all four kernels, the expected bits for every view. */
function plainResults(k: NativeKernels) {
  const output = new Float32Array(OUTPUT);
  k.gridSampleForward(input, grid, output, SHAPE, bilinear, reflection, false);
  const gradInput = new Float32Array(INPUT), gradGrid = new Float32Array(GRID);
  k.gridSampleBackward(gradOutput, input, grid, gradInput, gradGrid, SHAPE, bilinear, reflection,
      false);
  const agrid = new Float32Array(AGRID);
  k.affineGridForward(theta, agrid, N, HO, WO, true);
  const gradTheta = new Float32Array(THETA);
  k.affineGridBackward(agrid, gradTheta, N, HO, WO, true);
  return {output, gradInput, gradGrid, agrid, gradTheta};
}

const SENTINEL = -12345.5;

/**
 * A view of `values` at element offset `offset` inside a larger buffer of
 * `make(bytes)`, surrounded by sentinels: the guards let a test check that
 * nothing was written outside the view.
 */
function embed(values: Float32Array|number, offset: number,
    make: (bytes: number) => ArrayBufferLike = (b) => new ArrayBuffer(b)) {
  const length = typeof values === 'number' ? values : values.length;
  const whole = new Float32Array(make((length + offset + 7) * 4));
  whole.fill(SENTINEL);
  const view = new Float32Array(whole.buffer, offset * 4, length);
  if (typeof values !== 'number') view.set(values);
  const guardsIntact = () => {
    for (let i = 0; i < whole.length; i++) {
      if ((i < offset || i >= offset + length) && whole[i] !== SENTINEL) return false;
    }
    return true;
  };
  return {view, guardsIntact};
}

function detached(length: number): Float32Array {
  const a = new Float32Array(length);
  structuredClone(a.buffer, {transfer: [a.buffer]});
  expect(a.length).toBe(0);  // detached: V8 reports length 0
  return a;
}

describe.each(SURFACES)('N-API views (%s kernels)', (_, k) => {
  const want = plainResults(k);

  test.each([
    ['a byteOffset into an ArrayBuffer', (b: number) => new ArrayBuffer(b)],
    ['a SharedArrayBuffer', (b: number) => new SharedArrayBuffer(b)],
    ['a resizable ArrayBuffer', (b: number) => new ResizableArrayBuffer(b, {maxByteLength: 2 * b})],
    ['a growable SharedArrayBuffer', (b: number) => new GrowableSharedArrayBuffer(b, {maxByteLength: 2 * b})],
  ] as [string, (bytes: number) => ArrayBufferLike][])(
      'views on %s give the plain-array bits and write only inside themselves', (__, make) => {
        const x = embed(input, 3, make), g = embed(grid, 5, make), out = embed(OUTPUT, 1, make);
        k.gridSampleForward(x.view, g.view, out.view, SHAPE, bilinear, reflection, false);
        expectBitwise(out.view, want.output, 'output');
        const dy = embed(gradOutput, 2, make), dx = embed(INPUT, 7, make), dg = embed(GRID, 4, make);
        k.gridSampleBackward(dy.view, x.view, g.view, dx.view, dg.view, SHAPE, bilinear, reflection,
            false);
        expectBitwise(dx.view, want.gradInput, 'gradInput');
        expectBitwise(dg.view, want.gradGrid, 'gradGrid');
        const t = embed(theta, 6, make), ag = embed(AGRID, 3, make), dt = embed(THETA, 5, make);
        k.affineGridForward(t.view, ag.view, N, HO, WO, true);
        expectBitwise(ag.view, want.agrid, 'affine grid');
        k.affineGridBackward(ag.view, dt.view, N, HO, WO, true);
        expectBitwise(dt.view, want.gradTheta, 'gradTheta');
        for (const [name, v] of Object.entries({x, g, out, dy, dx, dg, t, ag, dt})) {
          expect(v.guardsIntact(), `${name}: a write outside the view`).toBe(true);
        }
      });

  test('a shrunk resizable buffer is a RangeError, not a read past its end', () => {
    const buffer = new ResizableArrayBuffer(INPUT * 4, {maxByteLength: INPUT * 4});
    const x = new Float32Array(buffer);  // length-tracking
    x.set(input);
    buffer.resize((INPUT - 1) * 4);
    expect(() => k.gridSampleForward(x, grid, new Float32Array(OUTPUT), SHAPE, bilinear,
        reflection, false)).toThrow(new RangeError(
        `gridSampleForward: input must have ${INPUT} float32 elements (shape [${N},${H},${W},${C}]) ` +
        `but has ${INPUT - 1}`));
  });

  test('the same array as input and grid is fine (read-only aliasing)', () => {
    const both = new Float32Array(Math.max(INPUT, GRID));
    both.set(grid);
    const shape: SamplerShape = [1, 1, 1, GRID, 1, 1];  // input [1,1,1,24], grid [1,1,1,2]
    const out = new Float32Array(GRID);
    expect(() => k.gridSampleForward(both.subarray(0, GRID), both.subarray(0, 2), out, shape,
        bilinear, reflection, true)).not.toThrow();
  });
});

describe.each(SURFACES)('N-API bad arguments (%s kernels)', (_, k) => {
  const out = () => new Float32Array(OUTPUT);
  const forward = (...args: unknown[]) => () => (k.gridSampleForward as Function)(...args);
  const good = (): unknown[] => [input, grid, out(), SHAPE, bilinear, reflection, false];
  const withArg = (i: number, v: unknown) => {
    const a = good();
    a[i] = v;
    return forward(...a);
  };

  test('detached buffers (structuredClone with transfer) are RangeErrors naming the argument', () => {
    expect(withArg(0, detached(INPUT))).toThrow(new RangeError(
        `gridSampleForward: input must have ${INPUT} float32 elements (shape [2,3,4,5]) but has 0`));
    expect(withArg(1, detached(GRID))).toThrow(/^gridSampleForward: grid must have 24 float32/);
    expect(withArg(2, detached(OUTPUT))).toThrow(/^gridSampleForward: output must have 60 float32/);
    expect(() => k.gridSampleBackward(gradOutput, input, grid, null, detached(GRID), SHAPE, bilinear,
        reflection, false)).toThrow(/^gridSampleBackward: gradGrid must have 24 float32 elements/);
    expect(() => k.affineGridBackward(detached(AGRID), new Float32Array(THETA), N, HO, WO, false))
        .toThrow(/^affineGridBackward: gradGrid must have 24 float32 elements/);
    if (typeof (ArrayBuffer.prototype as {transfer?: unknown}).transfer === 'function') {
      const a = new Float32Array(INPUT);
      (a.buffer as ArrayBuffer & {transfer(): ArrayBuffer}).transfer();
      expect(withArg(0, a)).toThrow(RangeError);
    }
  });

  test('a buffer detached while the shape is being read is caught', () => {
    // The shape's getter runs JS after `input` was passed: the addon must read
    // the views only after every JS callback.
    const victim = new Float32Array(input);
    const shape = [N, H, W, C, HO, WO];
    Object.defineProperty(shape, 5, {get() {
      structuredClone(victim.buffer, {transfer: [victim.buffer]});
      return WO;
    }});
    expect(forward(victim, grid, out(), shape, bilinear, reflection, false))
        .toThrow(/^gridSampleForward: input must have 120 float32 elements .* but has 0$/);
  });

  test('wrong lengths are RangeErrors with the expected count and shape', () => {
    expect(withArg(0, new Float32Array(INPUT - 1))).toThrow(new RangeError(
        'gridSampleForward: input must have 120 float32 elements (shape [2,3,4,5]) but has 119'));
    expect(withArg(1, new Float32Array(GRID + 1))).toThrow(new RangeError(
        'gridSampleForward: grid must have 24 float32 elements (shape [2,2,3,2]) but has 25'));
    expect(withArg(2, new Float32Array(0))).toThrow(
        /^gridSampleForward: output must have 60 float32 elements \(shape \[2,2,3,5\]\) but has 0$/);
    expect(() => k.affineGridForward(new Float32Array(5), new Float32Array(AGRID), N, HO, WO, false))
        .toThrow(new RangeError('affineGridForward: theta must have 12 float32 elements (shape [2,2,3]) but has 5'));
  });

  test.each([
    ['a Float64Array', new Float64Array(INPUT), 'a Float64Array'],
    ['an Int32Array', new Int32Array(INPUT), 'an Int32Array'],
    ['a Uint8Array of the right byte length', new Uint8Array(INPUT * 4), 'a Uint8Array'],
    ['a BigInt64Array', new BigInt64Array(INPUT), 'a BigInt64Array'],
    ['a DataView', new DataView(new ArrayBuffer(INPUT * 4)), 'an object'],
    ['an ArrayBuffer', new ArrayBuffer(INPUT * 4), 'an ArrayBuffer'],
    ['a plain Array', Array.from(input), 'an Array'],
    ['null', null, 'null'],
    ['undefined', undefined, 'undefined'],
    ['a number', 7, '7'],
    ['a string', 'input', 'a string'],
    ['an array-like object', {length: INPUT, 0: 1}, 'an object'],
  ])('%s as input is a TypeError naming input', (__, value, described) => {
    expect(withArg(0, value)).toThrow(new TypeError(
        `gridSampleForward: input must be a Float32Array but got ${described}`));
  });

  test('wrong element types for every array argument name that argument', () => {
    expect(withArg(1, new Float64Array(GRID))).toThrow(/^gridSampleForward: grid must be a Float32Array but got a Float64Array$/);
    expect(withArg(2, Array.from(out()))).toThrow(/^gridSampleForward: output must be a Float32Array but got an Array$/);
    expect(() => (k.gridSampleBackward as Function)(gradOutput, input, grid, new Int32Array(INPUT),
        null, SHAPE, bilinear, reflection, false))
        .toThrow(new TypeError('gridSampleBackward: gradInput must be a Float32Array or null but got an Int32Array'));
    expect(() => (k.gridSampleBackward as Function)(new DataView(new ArrayBuffer(OUTPUT * 4)), input,
        grid, null, null, SHAPE, bilinear, reflection, false))
        .toThrow(/^gridSampleBackward: gradOutput must be a Float32Array but got an object$/);
    expect(() => (k.affineGridBackward as Function)(new Float32Array(AGRID), Array(THETA).fill(0), N,
        HO, WO, false)).toThrow(/^affineGridBackward: gradTheta must be a Float32Array but got an Array$/);
  });

  test.each([
    ['gridSampleForward', 7], ['gridSampleBackward', 9], ['affineGridForward', 6],
    ['affineGridBackward', 6],
  ] as const)('%s with a wrong argument count is a TypeError', (fn, count) => {
    const f = k[fn] as Function;
    for (const n of [0, 1, count - 1, count + 1]) {
      expect(() => f(...Array(n).fill(new Float32Array(4))))
          .toThrow(new TypeError(`${fn}: expects ${count} arguments but got ${n}`));
    }
  });

  test.each([
    ['not an Array', new Float32Array(SHAPE), TypeError, /shape must be an Array of 6 or 7 non-negative safe integers but got a Float32Array/],
    ['5 entries', [2, 3, 4, 5, 2], RangeError, /shape must have 6 or 7 entries but has 5/],
    ['8 entries', [2, 3, 4, 5, 2, 3, 2, 2], RangeError, /shape must have 6 or 7 entries but has 8/],
    ['a grid batch neither N nor 1', [2, 3, 4, 5, 2, 3, 3], RangeError,
      /shape\[6\] \(the grid's batch size\) must be N \(2\) or 1 but got 3/],
    ['a grid batch 1 with a grid of batch N', [2, 3, 4, 5, 2, 3, 1], RangeError,
      /grid must have 12 float32 elements \(shape \[1,2,3,2\]\) but has 24/],
    ['a negative entry', [2, -3, 4, 5, 2, 3], RangeError, /shape\[1\] must be a non-negative safe integer but got -3/],
    ['a fractional entry', [2, 3, 4.5, 5, 2, 3], RangeError, /shape\[2\] must be a non-negative safe integer but got 4.5/],
    ['NaN', [2, 3, 4, NaN, 2, 3], RangeError, /shape\[3\] must be a non-negative safe integer but got NaN/],
    ['Infinity', [2, 3, 4, 5, Infinity, 3], RangeError, /shape\[4\] must be a non-negative safe integer but got Infinity/],
    ['2^53', [2, 3, 4, 5, 2, 2 ** 53], RangeError, /shape\[5\] must be a non-negative safe integer but got 9007199254740992/],
    ['a string entry', [2, 3, 4, '5', 2, 3], TypeError, /shape\[3\] must be a non-negative safe integer but got a string/],
    ['a bigint entry', [2n, 3, 4, 5, 2, 3], TypeError, /shape\[0\] must be a non-negative safe integer but got a bigint/],
    ['a product past 2^53', [2 ** 20, 2 ** 20, 2 ** 20, 1, 1, 1], RangeError, /input shape \[1048576,1048576,1048576,1\] is too large/],
  ] as [string, unknown, ErrorConstructor, RegExp][])('a shape with %s is rejected', (__, shape, type, message) => {
    const call = withArg(3, shape);
    expect(call).toThrow(type);
    expect(call).toThrow(message);
  });

  test('a 2^32-element shape with wrong-sized arrays is a RangeError, not an allocation', () => {
    // Fits in 53 bits, so the sizes are accepted; the lengths then mismatch.
    expect(withArg(3, [1, 65536, 65536, 1, 1, 1])).toThrow(
        /^gridSampleForward: input must have 4294967296 float32 elements \(shape \[1,65536,65536,1\]\) but has 120$/);
  });

  test('modes, paddings and alignCorners outside their enums name the argument', () => {
    const modes = numberedList(MODES), paddings = numberedList(PADDINGS);
    expect(withArg(4, MODES.length)).toThrow(
        new RangeError(`gridSampleForward: mode must be ${modes} but got ${MODES.length}`));
    expect(withArg(4, -1)).toThrow(RangeError);
    expect(withArg(4, 0.5)).toThrow(literally(`mode must be ${modes} but got 0.5`));
    expect(withArg(4, 'bilinear')).toThrow(new TypeError(`gridSampleForward: mode must be ${modes} but got a string`));
    expect(withArg(5, PADDINGS.length)).toThrow(literally(`padding must be ${paddings} but got ${PADDINGS.length}`));
    expect(withArg(5, NaN)).toThrow(/padding must be .* but got NaN/);
    expect(withArg(6, 1)).toThrow(new TypeError('gridSampleForward: alignCorners must be a boolean but got 1'));
    expect(withArg(6, undefined)).toThrow(/alignCorners must be a boolean but got undefined/);
    expect(() => (k.affineGridForward as Function)(theta, new Float32Array(AGRID), N, HO, -1, false))
        .toThrow(/^affineGridForward: wo must be a non-negative safe integer but got -1$/);
  });

  test('outputs that overlap an input or each other are RangeErrors', () => {
    const shared = new Float32Array(INPUT + OUTPUT);
    shared.set(input);
    // output starts inside input.
    expect(forward(shared.subarray(0, INPUT), grid, shared.subarray(INPUT - 1, INPUT - 1 + OUTPUT),
        SHAPE, bilinear, reflection, false)).toThrow(new RangeError(
        'gridSampleForward: output must not overlap input (they share memory)'));
    // Two views of one SharedArrayBuffer.
    const sab = new SharedArrayBuffer((INPUT + GRID) * 4);
    expect(() => k.gridSampleBackward(gradOutput, input, grid, new Float32Array(sab, 0, INPUT),
        new Float32Array(sab, (INPUT - 2) * 4, GRID), SHAPE, bilinear, reflection, false))
        .toThrow(/^gridSampleBackward: gradGrid must not overlap gradInput/);
    // Adjacent but disjoint is fine.
    expect(forward(shared.subarray(0, INPUT), grid, shared.subarray(INPUT, INPUT + OUTPUT), SHAPE,
        bilinear, reflection, false)).not.toThrow();
    const t6 = theta.slice(0, 6);
    expect(() => k.affineGridForward(t6, t6, 1, 1, 3, false))
        .toThrow(/^affineGridForward: grid must not overlap theta/);
  });
});

test('setNumThreads at the boundary: integers only, <= 1024, < 1 restores the default', () => {
  const before = native.getNumThreads();
  expect(() => (native.setNumThreads as Function)()).toThrow(new TypeError('setNumThreads: expects 1 arguments but got 0'));
  expect(() => native.setNumThreads('2' as never)).toThrow(new TypeError('setNumThreads: n must be an integer but got a string'));
  expect(() => native.setNumThreads(1.5)).toThrow(RangeError);
  expect(() => native.setNumThreads(NaN)).toThrow(RangeError);
  expect(() => native.setNumThreads(1025)).toThrow(/n must be an integer <= 1024 but got 1025/);
  expect(() => native.setNumThreads(2 ** 40)).toThrow(RangeError);
  native.setNumThreads(3);
  expect(native.getNumThreads()).toBe(3);
  native.setNumThreads(-5);
  expect(native.getNumThreads()).toBe(before);
});

describe('out of memory: scratch is allocated by the addon before the kernel runs', () => {
  // STN_SCRATCH_LIMIT_BYTES makes every scratch allocation above it fail as
  // an exhausted heap would; the addon reads it on every call.
  const limited = <T>(bytes: number, run: () => T): T => {
    process.env.STN_SCRATCH_LIMIT_BYTES = String(bytes);
    try {
      return run();
    } finally {
      delete process.env.STN_SCRATCH_LIMIT_BYTES;
    }
  };
  // N = 2 < 8: the input gradient is split into row blocks, which need scratch.
  const gin = () => new Float32Array(INPUT).fill(NaN);

  test('a failed allocation is a RangeError naming the op and the size, and writes nothing', () => {
    const gradInput = gin();
    expect(() => limited(0, () => native.gridSampleBackward(gradOutput, input, grid, gradInput, null,
        SHAPE, bilinear, reflection, false))).toThrow(
        /^gridSampleBackward: out of memory: the kernel needs \d+ bytes of scratch memory, which could not be allocated$/);
    expect(gradInput.every(Number.isNaN)).toBe(true);
    const output = new Float32Array(OUTPUT).fill(NaN);
    for (const k of [native, native.reference]) {
      expect(() => limited(0, () => k.affineSampleForward(input, theta, output, SHAPE, bilinear,
          reflection, false))).toThrow(/^affineSampleForward: out of memory: the kernel needs \d+ bytes/);
      expect(() => limited(0, () => k.affineSampleBackward(gradOutput, input, theta, gin(),
          new Float32Array(THETA), SHAPE, bilinear, reflection, false)))
          .toThrow(/^affineSampleBackward: out of memory/);
    }
    expect(output.every(Number.isNaN)).toBe(true);
  });

  test('with the memory there, the same calls give the same bits as always (no other split)', () => {
    const want = gin(), got = gin();
    native.gridSampleBackward(gradOutput, input, grid, want, null, SHAPE, bilinear, reflection, false);
    limited(1 << 30, () => native.gridSampleBackward(gradOutput, input, grid, got, null, SHAPE, bilinear,
        reflection, false));
    expectBitwise(got, want, 'grad_input');
    // The grid-only backward needs no scratch: it runs under any limit.
    const gradGrid = new Float32Array(GRID);
    limited(0, () => native.gridSampleBackward(gradOutput, input, grid, null, gradGrid, SHAPE, bilinear,
        reflection, false));
    expect(gradGrid.some((v) => v !== 0)).toBe(true);
  });

  // Every backward kernel that needs scratch (an input gradient split into
  // row blocks, a transform gradient summed per row), at shapes that make it
  // need some: on cpu the addon's RangeError naming its function; on
  // tensorflow the TF op's ResourceExhausted naming the op, which tfjs-node
  // throws as an Error with the op's message.
  type Tf = typeof import('@tensorflow/tfjs-node');
  type Lib = typeof import('../lib');
  const values = (shape: number[], lo = -1, hi = 1) => randomArray(random, shape.reduce((a, b) => a * b, 1), lo, hi);
  // [kernel, the addon's function, the TF op (null: the 'tensorflow'
  // backward is TensorFlow's own ops, with nothing of ours to limit), the
  // scratch limit, make]: make gives f, x and f's other tensors; the test
  // takes the gradient of sum(f(x)). The limit is 0 bytes, or what the
  // forward needs (affineSample3d's forward keeps its base coordinates in
  // scratch: 4 (Do + Ho + Wo) bytes; cropAndResize's each box's column taps,
  // 32 bytes per box and crop column, which the backward needs once per
  // gradient, and the image's gradient comes with the boxes' in one pass).
  // tf.image.rotateWithOffset is not here: its kernels take no scratch.
  type Make = (tf: Tf, lib: Lib) => [(x: Tensor) => Tensor, Tensor, Tensor[]];
  const BACKWARDS: [string, string, string | null, number, Make][] = [
    ['gridSample', 'gridSampleBackward', 'StnGridSampleGrad', 0, (tf, {gridSample}) => {
      const g = tf.tensor4d(grid, [N, HO, WO, 2]);
      return [(x) => gridSample(x, g), tf.tensor4d(input, [N, H, W, C]), [g]];
    }],
    ['gridSample3d', 'gridSample3dBackward', 'StnGridSample3dGrad', 0, (tf, {gridSample3d}) => {
      const g = tf.tensor5d(values([1, 2, 2, 2, 3], -1.2, 1.2), [1, 2, 2, 2, 3]);
      return [(x) => gridSample3d(x, g), tf.tensor5d(values([1, 2, 3, 4, 2]), [1, 2, 3, 4, 2]), [g]];
    }],
    ['affineSample3d', 'affineSample3dBackward', 'StnAffineSample3dGrad', 4 * (2 + 2 + 2), (tf, {affineSample3d}) => {
      const volume = tf.tensor5d(values([1, 2, 3, 4, 2]), [1, 2, 3, 4, 2]);
      return [(theta) => affineSample3d(volume, theta, [1, 2, 2, 2, 2]),
        tf.tensor3d([[[0.9, 0.1, 0, 0.1], [0, 1, 0.1, 0], [0.1, 0, 1.1, 0]]]), [volume]];
    }],
    ['flowWarp', 'flowWarpBackward', 'StnFlowWarpGrad', 0, (tf, {flowWarp}) => {
      const flow = tf.tensor4d(values([N, H, W, 2], -2, 2), [N, H, W, 2]);
      return [(x) => flowWarp(x as Tensor4D, flow), tf.tensor4d(input, [N, H, W, C]), [flow]];
    }],
    ['flowWarp (volumes)', 'flowWarp3dBackward', 'StnFlowWarp3dGrad', 0, (tf, {flowWarp}) => {
      const flow = tf.tensor5d(values([1, 2, 3, 4, 3], -2, 2), [1, 2, 3, 4, 3]);
      return [(x) => flowWarp(x as Tensor5D, flow), tf.tensor5d(values([1, 2, 3, 4, 2]), [1, 2, 3, 4, 2]), [flow]];
    }],
    ['tf.image.transform', 'imageTransformBackward', 'StnImageTransformGrad', 0, (tf) => {
      const images = tf.tensor4d(input, [N, H, W, C]);
      return [(transforms) => tf.image.transform(images, transforms as Tensor2D),
        tf.tensor2d([[1, 0.1, 0.3, 0, 0.9, -0.2, 0.01, 0], [1.1, 0, -0.4, 0.1, 1, 0.2, 0, 0.02]]), [images]];
    }],
    // On 'tensorflow' tfjs-node runs TensorFlow's CropAndResize and its
    // CropAndResizeGradImage / GradBoxes.
    ['tf.image.cropAndResize', 'cropAndResizeBackward', null, 32 * 3 * 4, (tf) => {
      const boxes = tf.tensor2d([[0.1, 0, 0.8, 0.9], [-0.2, 0.3, 0.6, 1.1], [0.9, 0.9, 0.2, 0.1]]);
      const boxInd = tf.tensor1d([1, 0, 1], 'int32');
      return [(image) => tf.image.cropAndResize(image as Tensor4D, boxes, boxInd, [3, 4]),
        tf.tensor4d(input, [N, H, W, C]), [boxes, boxInd]];
    }],
  ];
  describe.each(BACKWARDS)('%s through tfjs: the error reaches the caller of tf.grad', (_, fn, op, limit, make) => {
    test.each([
      ['cpu', RangeError, new RegExp(`^${fn}: out of memory: the kernel needs \\d+ bytes of scratch memory, which could not be allocated$`)],
      ...op === null ? [] : [
        ['tensorflow', Error, new RegExp(`${op}Abi\\d+: out of memory: the kernel needs \\d+ bytes of scratch memory`)]],
    ] as [string, ErrorConstructor, RegExp][])('on %s', async (backend, type, message) => {
      const tf = await import('@tensorflow/tfjs-node');
      const lib = await import('../lib');
      await useBackend(backend);
      const [f, x, others] = make(tf, lib);
      const gradient = () => tf.grad((a: Tensor) => tf.sum(f(a)))(x);
      expect(() => limited(limit, gradient)).toThrow(type);
      expect(() => limited(limit, gradient)).toThrow(message);
      const g = gradient();  // with the memory there, it runs
      expect(g.shape).toEqual(x.shape);
      tf.dispose([g, x, ...others]);
    });
  });
});
