// What the bench measures: the shapes, the passes, and the bytes each pass must move.
import type {InterpolationMode, PaddingMode} from '../lib/index';

export interface Shape {name: string, n: number, h: number, w: number, c: number}

export const SHAPES: Shape[] = [
  {name: 'S1', n: 256, h: 28, w: 28, c: 1},
  {name: 'S2', n: 128, h: 60, w: 60, c: 1},
  {name: 'S3', n: 32, h: 32, w: 32, c: 64},
  {name: 'S4', n: 8, h: 224, w: 224, c: 3},
];
export const QUICK_SHAPES: Shape[] = [
  {name: 'Q1', n: 4, h: 12, w: 12, c: 1},
  {name: 'Q2', n: 2, h: 8, w: 8, c: 20},
];

export const PASSES = ['fwd', 'bwd', 'bwd-grid', 'step', 'step-fused', 'fwd-nearest', 'bwd-nearest',
  'fwd-border', 'fwd-reflection', 'fwd-bicubic', 'bwd-bicubic'] as const;
export type Pass = typeof PASSES[number];
export const PASS_TEXT: Record<Pass, string> = {
  'fwd': 'forward (bilinear, zeros, alignCorners=false)',
  'bwd': 'backward, input and grid gradients',
  'bwd-grid': 'backward, grid gradient only',
  'step': 'training step: affineGrid + gridSample forward, backward to theta',
  'step-fused': 'training step: fused affineSample forward, backward to theta',
  'fwd-nearest': 'forward, nearest',
  'bwd-nearest': 'backward, nearest (input and grid)',
  'fwd-border': 'forward, bilinear, border padding',
  'fwd-reflection': 'forward, bilinear, reflection padding',
  'fwd-bicubic': 'forward, bicubic',
  'bwd-bicubic': 'backward, bicubic (input and grid)',
};

export interface SamplerOptions {mode: InterpolationMode, padding: PaddingMode}

/** The forward passes and how they sample (every pass uses alignCorners=false). */
export const FORWARD: Partial<Record<Pass, SamplerOptions>> = {
  'fwd': {mode: 'bilinear', padding: 'zeros'},
  'fwd-nearest': {mode: 'nearest', padding: 'zeros'},
  'fwd-border': {mode: 'bilinear', padding: 'border'},
  'fwd-reflection': {mode: 'bilinear', padding: 'reflection'},
  'fwd-bicubic': {mode: 'bicubic', padding: 'zeros'},
};

/** The sampler's backward passes (zeros padding): the mode, and whether the input gradient is wanted too. */
export interface BackwardOptions {mode: InterpolationMode, inputGrad: boolean}

export const BACKWARD: Partial<Record<Pass, BackwardOptions>> = {
  'bwd': {mode: 'bilinear', inputGrad: true},
  'bwd-grid': {mode: 'bilinear', inputGrad: false},
  'bwd-nearest': {mode: 'nearest', inputGrad: true},
  'bwd-bicubic': {mode: 'bicubic', inputGrad: true},
};

/** Elements of the sampled output (N·Ho·Wo·C; output size = input size here). */
export function outputElements(s: Shape): number {
  return s.n * s.h * s.w * s.c;
}

/**
 * Bytes a pass must read and write at least (float32). Their sum is what the
 * bandwidth bound is computed from; a cold call's reads come from memory (its
 * outputs stay in one buffer set, data.ts).
 */
export function passTraffic(s: Shape, pass: Pass): {read: number, written: number} {
  const image = outputElements(s) * 4, grid = s.n * s.h * s.w * 8;
  switch (pass) {
    case 'fwd': case 'fwd-nearest': case 'fwd-border': case 'fwd-reflection': case 'fwd-bicubic':
      return {read: image + grid, written: image};
    case 'bwd': case 'bwd-bicubic': return {read: 2 * image + grid, written: image + grid};
    case 'bwd-grid': return {read: 2 * image + grid, written: grid};
    case 'bwd-nearest': return {read: image + grid, written: image + grid};
    // the fused op's minimum: forward reads the input, writes the output; backward reads both
    case 'step': case 'step-fused': return {read: 3 * image, written: image};
  }
}

/** passTraffic's reads and writes together. */
export function passBytes(s: Shape, pass: Pass): number {
  const {read, written} = passTraffic(s, pass);
  return read + written;
}
