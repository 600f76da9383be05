// Loads the compiled addon and declares its whole surface, typed, in one place.
import * as fs from 'fs';
import {createRequire} from 'module';
import * as path from 'path';

/** [n, h, w, c, ho, wo]: input [N,H,W,C] sampled on a grid [N,Ho,Wo,2]. */
export type SamplerShape = [number, number, number, number, number, number];

export interface NativeKernels {
  gridSampleForward(input: Float32Array, grid: Float32Array, output: Float32Array,
      shape: SamplerShape, mode: number, padding: number, alignCorners: boolean): void;
  /** Either gradient may be null: it is then not computed. */
  gridSampleBackward(gradOutput: Float32Array, input: Float32Array, grid: Float32Array,
      gradInput: Float32Array|null, gradGrid: Float32Array|null, shape: SamplerShape,
      mode: number, padding: number, alignCorners: boolean): void;
  affineGridForward(theta: Float32Array, grid: Float32Array, n: number, ho: number, wo: number,
      alignCorners: boolean): void;
  affineGridBackward(gradGrid: Float32Array, gradTheta: Float32Array, n: number, ho: number,
      wo: number, alignCorners: boolean): void;
  /** The fused affine sampler: gridSample on affineGrid(theta), the grid never stored. */
  affineSampleForward(input: Float32Array, theta: Float32Array, output: Float32Array,
      shape: SamplerShape, mode: number, padding: number, alignCorners: boolean): void;
  /** Either gradient may be null: it is then not computed. */
  affineSampleBackward(gradOutput: Float32Array, input: Float32Array, theta: Float32Array,
      gradInput: Float32Array|null, gradTheta: Float32Array|null, shape: SamplerShape,
      mode: number, padding: number, alignCorners: boolean): void;
}

/** Instruction sets of the native kernels, lowest first. */
export const ISAS = ['base', 'avx2', 'avx512'] as const;
export type Isa = typeof ISAS[number];

export interface NativeAddon extends NativeKernels {
  /** The scalar reference kernels: PyTorch's formulas one to one, the oracle of the fast paths. */
  reference: NativeKernels;
  setNumThreads(n: number): void;
  getNumThreads(): number;
  /** Forces a lower ISA than the best (throws RangeError above getBestIsa()). */
  setIsa(isa: Isa): void;
  getIsa(): Isa;
  getBestIsa(): Isa;
  Interpolation: {bilinear: number, nearest: number};
  Padding: {zeros: number, border: number, reflection: number};
}

const packageRoot = path.join(__dirname, '..');
const candidates = [
  path.join(packageRoot, 'build', 'Release', 'stn_native.node'),
  path.join(packageRoot, 'build', 'Debug', 'stn_native.node'),
];

function load(): NativeAddon {
  const found = candidates.find((file) => fs.existsSync(file));
  if (found === undefined) {
    throw new Error(
        'tfjs-spatial-transformer: the native addon is not built. Looked for:\n' +
        candidates.map((file) => `  ${file}\n`).join('') +
        `Build it with \`npm run build:native\` in ${packageRoot} ` +
        '(needs cmake and a C++17 compiler with OpenMP).');
  }
  return createRequire(__filename)(found) as NativeAddon;
}

export const native: NativeAddon = load();
