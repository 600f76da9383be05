// Shared test utilities: backends, a seeded RNG, grids placed away from kinks, comparisons.
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-node';
import {expect, vi} from 'vitest';

import seedrandom from 'seedrandom';

import {native} from '../lib/native';
import {tensorflowOpName} from '../lib/tensorflow_ops';
import {INTERPOLATION_MODES, PADDING_MODES} from '../lib/vocabulary';
import type {PaddingMode} from '../lib/vocabulary';

export const BACKEND_NAMES = ['tensorflow', 'cpu'] as const;
export const MODES = INTERPOLATION_MODES;
export const PADDINGS = PADDING_MODES;
export const ALIGNS = [false, true] as const;

/** A list as the JS validators print it: "'a', 'b', 'c'". */
export function quotedList(values: readonly string[]): string {
  return values.map((v) => `'${v}'`).join(', ');
}

/** An enum list as the addon prints it: "0 (a), 1 (b) or 2 (c)". */
export function numberedList(values: readonly string[]): string {
  const numbered = values.map((v, i) => `${i} (${v})`);
  return numbered.length < 2 ? numbered.join('') : `${numbered.slice(0, -1).join(', ')} or ${numbered.at(-1)}`;
}

/** A RegExp matching `text` literally. */
export function literally(text: string): RegExp {
  return new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
}

/** Every mode × padding × alignCorners combination. */
export const SAMPLER_CASES = MODES.flatMap((mode) => PADDINGS.flatMap((paddingMode) =>
    ALIGNS.map((alignCorners) => ({mode, paddingMode, alignCorners}))));

/** Switches tfjs to `name` and fails loudly (never skips) if that backend is missing. */
export async function useBackend(name: string): Promise<void> {
  const ok = await tf.setBackend(name);
  if (!ok || tf.getBackend() !== name) throw new Error(`tfjs backend '${name}' is not available`);
}

/** Uniform draws in [0, 1) from a seed (seedrandom's Alea). */
export function rng(seed: number): () => number {
  return seedrandom.alea(String(seed));
}

export function randomArray(random: () => number, length: number, lo = -1, hi = 1): Float32Array {
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = lo + (hi - lo) * random();
  return out;
}

/** Normalised coordinate of source pixel position `u` along a side of `size` pixels. */
export function normalise(u: number, size: number, alignCorners: boolean): number {
  return alignCorners ? (size > 1 ? (2 * u) / (size - 1) - 1 : 0) : (2 * u + 1) / size - 1;
}

/**
 * A grid whose source pixel positions lie in [-2, size + 1] but at least 0.1 px
 * from every integer and half-integer: away from the bilinear kernel's kinks,
 * nearest's rounding points, the clipping points and the reflection points, so
 * central finite differences are exact up to rounding.
 */
export function gridAwayFromKinks(random: () => number, n: number, ho: number, wo: number,
    h: number, w: number, alignCorners: boolean): Float32Array {
  const grid = new Float32Array(n * ho * wo * 2);
  const position = (size: number) => {
    const cell = Math.floor(random() * (size + 4)) - 2;
    const frac = 0.1 + 0.3 * random() + (random() < 0.5 ? 0 : 0.5);
    return cell + frac;
  };
  for (let i = 0; i < grid.length; i += 2) {
    grid[i] = normalise(position(w), w, alignCorners);
    grid[i + 1] = normalise(position(h), h, alignCorners);
  }
  return grid;
}

export interface Tolerance {
  rtol?: number;
  atol?: number;
}

/** Element-wise |a - e| <= atol + rtol·|e|; the message names the first failing index. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>,
    {rtol = 1e-5, atol = 1e-6}: Tolerance = {}, label = ''): void {
  expect(actual.length, `${label}: length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i], e = expected[i];
    const ok = Number.isNaN(e) ? Number.isNaN(a) : Math.abs(a - e) <= atol + rtol * Math.abs(e);
    if (!ok) {
      expect.fail(`${label}: index ${i}: got ${a}, expected ${e} (rtol ${rtol}, atol ${atol})`);
    }
  }
}

/** Bitwise equality of two float arrays, naming the first differing index. */
export function expectBitwise(actual: Float32Array, expected: Float32Array, label = ''): void {
  expect(actual.length, `${label}: length`).toBe(expected.length);
  const a = new Uint32Array(actual.buffer, actual.byteOffset, actual.length);
  const e = new Uint32Array(expected.buffer, expected.byteOffset, expected.length);
  for (let i = 0; i < e.length; i++) {
    if (a[i] !== e[i]) expect.fail(`${label}: index ${i}: got ${actual[i]}, expected ${expected[i]}`);
  }
}

/** sum(weights · t) in float64, so finite differences are not drowned by float32 summation. */
export function weightedSum(t: tf.Tensor, weights: Float32Array): number {
  const values = t.dataSync();
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] * weights[i];
  return sum;
}

/** A training curve: per-step losses, the final weights, and the kernels that ran. */
export interface TrainingCurve {
  losses: number[];
  weights: number[];
  kernels: string[];
}

/**
 * Trains `layers()` (a fresh, seeded model on 12×12×1 inputs) with Adam on 32
 * seeded images of 3 classes for `steps` steps: the curve a kernel swap must
 * leave unchanged, bit for bit.
 */
export async function trainingCurve(layers: () => tf.layers.Layer[], steps: number): Promise<TrainingCurve> {
  let result = {losses: [] as number[], weights: [] as number[]};
  const info = await tf.profile(() => {
    result = tf.tidy(() => {
      const model = tf.sequential({layers: layers()});
      const xs = tf.tensor4d(randomArray(rng(5), 32 * 144, 0, 1), [32, 12, 12, 1]);
      const labels = tf.oneHot(tf.tensor1d(Array.from({length: 32}, (_, i) => i % 3), 'int32'), 3);
      const optimizer = tf.train.adam(0.01);
      const losses: number[] = [];
      for (let i = 0; i < steps; i++) {
        const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(labels,
            model.apply(xs, {training: true}) as tf.Tensor) as tf.Scalar, true);
        losses.push(loss!.dataSync()[0]);
      }
      const weights = model.getWeights().flatMap((w) => Array.from(w.dataSync()));
      optimizer.dispose();
      return {losses, weights} as never;
    });
  });
  return {...result, kernels: info.kernels.map((k) => k.name)};
}

/**
 * `swapped` trained exactly as `stock` (losses and weights bit for bit), the
 * stock curve learned, and `kernel` ran `count` times in `swapped` only.
 */
export function expectSameTrainingCurve(swapped: TrainingCurve, stock: TrainingCurve, kernel: string,
    count: number): void {
  expect(swapped.kernels.filter((k) => k === kernel).length).toBe(count);
  expect(stock.kernels).not.toContain(kernel);
  expect(stock.losses.at(-1)).toBeLessThan(stock.losses[0]);
  expect(swapped.losses).toEqual(stock.losses);
  expect(swapped.weights).toEqual(stock.weights);
}

type NativeKernel = 'gridSampleForward'|'gridSampleBackward'|'affineSampleForward'|'affineSampleBackward'|
    'gridSample3dBackward';

/**
 * The calls of one native kernel on the active backend, through whichever
 * door it takes: the N-API function (cpu, and tensorflow's JS path) or the
 * kernel's TensorFlow op (tensorflow's TF-op path). For a backward kernel,
 * `gradients(i)` says which of its two gradients call i computed.
 */
export function spyNativeKernel(fn: NativeKernel, kernelName: string):
    {count(): number, gradients(i: number): [boolean, boolean]} {
  const op = tf.getBackend() === 'tensorflow' ? tensorflowOpName(kernelName) : null;
  if (op === null) {
    const spy = vi.spyOn(native, fn);
    const args = (i: number) => spy.mock.calls[i] as unknown[];
    return {count: () => spy.mock.calls.length, gradients: (i) => [args(i)[3] !== null, args(i)[4] !== null]};
  }
  const backend = tf.backend() as unknown as Record<'executeSingleOutput'|'executeMultipleOutputs', () => unknown>;
  const spies = [vi.spyOn(backend, 'executeSingleOutput'), vi.spyOn(backend, 'executeMultipleOutputs')];
  const calls = () => spies.flatMap((spy) => spy.mock.calls as unknown as [string, {name: string, value: unknown}[]][])
      .filter(([name]) => name === op);
  const flag = (i: number, name: RegExp) => calls()[i][1].find((a) => name.test(a.name))!.value === true;
  return {
    count: () => calls().length,
    gradients: (i) => [flag(i, /^compute_input_grad$/), flag(i, /^compute_(grid|theta)_grad$/)],
  };
}

/** A sampler fixture of PyTorch's F.grid_sample (2-D or 5-D) from scripts/make_fixtures.py. */
export interface GridSampleFixture<Mode extends string> {
  mode: Mode;
  paddingMode: PaddingMode;
  alignCorners: boolean;
  inputShape: number[];
  gridShape: number[];
  input: number[];
  grid: number[];
  gradOutput: number[];
  output: number[];
  gradInput: number[];
  gradGrid: number[];
}

/** An F.affine_grid fixture (2-D or 3-D). */
export interface AffineGridFixture {
  alignCorners: boolean;
  size: number[];
  theta: number[];
  grid: number[];
  gradGrid: number[];
  gradTheta: number[];
}

/** The cases of test/fixtures/<name>. */
export function loadFixtures<T>(name: string): T[] {
  const file = path.join(__dirname, 'fixtures', name);
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as {cases: T[]}).cases;
}
