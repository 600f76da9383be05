// Loads the compiled addon and declares its whole surface, typed, in one place.
import * as fs from 'fs';
import {createRequire} from 'module';
import * as path from 'path';

import {FILL_MODES, INTERPOLATION_MODES, Isa, ISAS, NativeEnum, PADDING_MODES, vocabularyMismatches} from './vocabulary';

/**
 * [n, h, w, c, ho, wo] or [n, h, w, c, ho, wo, gridN]: input [N,H,W,C] sampled
 * on a grid [gridN,Ho,Wo,2] (theta [gridN,2,3]); gridN is N (the default) or
 * 1, one transform for the whole batch.
 */
export type SamplerShape = [number, number, number, number, number, number] |
    [number, number, number, number, number, number, number];

/**
 * [n, d, h, w, c, od, ho, wo] or with gridN appended: input [N,D,H,W,C]
 * sampled on a grid [gridN,Do,Ho,Wo,3]; gridN is N (the default) or 1.
 */
export type VolumeShape = [number, number, number, number, number, number, number, number] |
    [number, number, number, number, number, number, number, number, number];

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
  /** The volume sampler (bilinear, i.e. trilinear, or nearest). */
  gridSample3dForward(input: Float32Array, grid: Float32Array, output: Float32Array,
      shape: VolumeShape, mode: number, padding: number, alignCorners: boolean): void;
  /** Either gradient may be null: it is then not computed. */
  gridSample3dBackward(gradOutput: Float32Array, input: Float32Array, grid: Float32Array,
      gradInput: Float32Array|null, gradGrid: Float32Array|null, shape: VolumeShape,
      mode: number, padding: number, alignCorners: boolean): void;
  affineGrid3dForward(theta: Float32Array, grid: Float32Array, n: number, od: number, ho: number,
      wo: number, alignCorners: boolean): void;
  affineGrid3dBackward(gradGrid: Float32Array, gradTheta: Float32Array, n: number, od: number,
      ho: number, wo: number, alignCorners: boolean): void;
  /** The fused affine sampler of volumes: theta [gridN,3,4]. */
  affineSample3dForward(input: Float32Array, theta: Float32Array, output: Float32Array,
      shape: VolumeShape, mode: number, padding: number, alignCorners: boolean): void;
  /** Either gradient may be null: it is then not computed. */
  affineSample3dBackward(gradOutput: Float32Array, input: Float32Array, theta: Float32Array,
      gradInput: Float32Array|null, gradTheta: Float32Array|null, shape: VolumeShape,
      mode: number, padding: number, alignCorners: boolean): void;
  /** Dense displacement fields, fused: shape [n, h, w, c, ho, wo] (flow [N,Ho,Wo,2]). */
  flowWarpForward(input: Float32Array, flow: Float32Array, output: Float32Array,
      shape: [number, number, number, number, number, number], mode: number, padding: number): void;
  /** Either gradient may be null: it is then not computed. */
  flowWarpBackward(gradOutput: Float32Array, input: Float32Array, flow: Float32Array,
      gradInput: Float32Array|null, gradFlow: Float32Array|null,
      shape: [number, number, number, number, number, number], mode: number, padding: number): void;
  /** Volumes: shape [n, d, h, w, c, od, ho, wo] (flow [N,Do,Ho,Wo,3]). */
  flowWarp3dForward(input: Float32Array, flow: Float32Array, output: Float32Array,
      shape: [number, number, number, number, number, number, number, number], mode: number,
      padding: number): void;
  flowWarp3dBackward(gradOutput: Float32Array, input: Float32Array, flow: Float32Array,
      gradInput: Float32Array|null, gradFlow: Float32Array|null,
      shape: [number, number, number, number, number, number, number, number], mode: number,
      padding: number): void;
  /**
   * TensorFlow's ImageProjectiveTransformV3 (tf.image.transform): images
   * [n,h,w,c], transforms [transformsN,8] (N or 1), output [n,ho,wo,c].
   */
  imageTransformForward(images: Float32Array, transforms: Float32Array, output: Float32Array,
      shape: TransformShape, interpolation: number, fillMode: number, fillValue: number): void;
  /** Either gradient may be null: it is then not computed. */
  imageTransformBackward(dy: Float32Array, images: Float32Array, transforms: Float32Array,
      gradImages: Float32Array|null, gradTransforms: Float32Array|null, shape: TransformShape,
      interpolation: number, fillMode: number, fillValue: number): void;
  /**
   * tfjs's RotateWithOffset (tf.image.rotateWithOffset): images and output
   * [n,h,w,c], fill [c] (each channel's value outside the image), rotation
   * [cos, sin, cx, cy] in float64 as tfjs-backend-cpu computes them.
   */
  rotateWithOffsetForward(images: Float32Array, fill: Float32Array, output: Float32Array,
      shape: [number, number, number, number], rotation: Float64Array): void;
  /** gradImages [n,h,w,c]: each dy added to the pixel its output read. */
  rotateWithOffsetBackward(dy: Float32Array, gradImages: Float32Array, shape: [number, number, number, number],
      rotation: Float64Array): void;
  /**
   * TensorFlow's CropAndResize (tf.image.cropAndResize): image [n,h,w,c],
   * boxes [boxes,4], boxInd [boxes] (each in [0, n)), output
   * [boxes,cropH,cropW,c]; method: Interpolation bilinear or nearest.
   */
  cropAndResizeForward(image: Float32Array, boxes: Float32Array, boxInd: Int32Array, output: Float32Array,
      shape: CropShape, method: number, extrapolationValue: number): void;
  /** Either gradient may be null: it is then not computed ('nearest': gradBoxes is zeros). */
  cropAndResizeBackward(dy: Float32Array, image: Float32Array, boxes: Float32Array, boxInd: Int32Array,
      gradImage: Float32Array|null, gradBoxes: Float32Array|null, shape: CropShape, method: number): void;
}

/** [n, h, w, c, boxes, cropH, cropW]: see cropAndResizeForward. */
export type CropShape = [number, number, number, number, number, number, number];

/** [n, h, w, c, ho, wo, transformsN]: see imageTransformForward. */
export type TransformShape = [number, number, number, number, number, number, number];

export interface NativeAddon extends NativeKernels {
  /** The scalar reference kernels: PyTorch's formulas one to one, the oracle of the fast paths. */
  reference: NativeKernels;
  setNumThreads(n: number): void;
  getNumThreads(): number;
  /** Forces a lower ISA than the best (throws RangeError above getBestIsa()). */
  setIsa(isa: Isa): void;
  getIsa(): Isa;
  getBestIsa(): Isa;
  /**
   * Registers the kernels as TensorFlow ops in the libtensorflow already loaded
   * in the process, once per process (native/tf_ops.cc); 'not-loaded' is retried.
   */
  attachTensorflowOps(): {state: 'active'|'failed'|'not-loaded', reason: string, ops: Record<string, string>};
  /** Kernels TF constructed from those ops: one per distinct attribute set, kept by TF's eager cache. */
  tensorflowKernelsCreated(): number;
  /** vocabulary.ts's lists as {name: number} (checked at load). */
  Interpolation: NativeEnum<typeof INTERPOLATION_MODES>;
  Padding: NativeEnum<typeof PADDING_MODES>;
  Isa: NativeEnum<typeof ISAS>;
  FillMode: NativeEnum<typeof FILL_MODES>;
}

const packageRoot = path.join(__dirname, '..');

/**
 * Where the addon may be, in the order tried: a build from source (cmake-js
 * or node-gyp), then the prebuilt binary shipped in the npm package for this
 * platform (scripts/prebuild.js).
 */
export const ADDON_CANDIDATES = [
  path.join(packageRoot, 'build', 'Release', 'stn_native.node'),
  path.join(packageRoot, 'build', 'Debug', 'stn_native.node'),
  path.join(packageRoot, 'prebuilds', `${process.platform}-${process.arch}`, 'stn_native.node'),
];

/** A hint for a dlopen failure: which shared library is missing, and what provides it. */
function missingLibraryHint(message: string): string {
  const lib = /([\w.+-]+\.so(?:\.\d+)*): cannot open shared object file/.exec(message)?.[1];
  if (lib === undefined) return '';
  const providers: Record<string, string> = {
    'libgomp.so.1': "GCC's OpenMP runtime: Debian/Ubuntu `apt-get install libgomp1`, " +
        'Fedora/RHEL `dnf install libgomp`, Alpine `apk add libgomp`',
  };
  return `\n  the shared library ${lib} is missing` +
      (providers[lib] ? ` (${providers[lib]})` : '');
}

function load(): NativeAddon {
  const tried: string[] = [];
  for (const file of ADDON_CANDIDATES) {
    if (!fs.existsSync(file)) {
      tried.push(`  ${file}: not found`);
      continue;
    }
    let addon: NativeAddon;
    try {
      addon = createRequire(__filename)(file) as NativeAddon;
    } catch (err) {
      const message = (err as Error).message;
      tried.push(`  ${file}: ${message.split('\n')[0]}${missingLibraryHint(message)}`);
      continue;
    }
    const mismatches = vocabularyMismatches(addon as unknown as Record<string, unknown>);
    if (mismatches.length === 0) return addon;
    tried.push(`  ${file}: built from other sources than this JavaScript (a stale build; rebuild it ` +
        `with \`npm run build:native\`):\n    ${mismatches.join('\n    ')}`);
  }
  throw new Error(
      `tfjs-spatial-transformer: could not load the native addon on ${process.platform}-${process.arch}. Tried:\n` +
      tried.join('\n') + '\n' +
      'Fix: reinstall the package (`npm install tfjs-spatial-transformer`), or build it from source with ' +
      '`npm install tfjs-spatial-transformer --build-from-source` (needs cmake >= 3.19 and a C++17 compiler ' +
      'with OpenMP, e.g. Debian/Ubuntu `apt-get install cmake g++`).');
}

/** The spin of the addon's OpenMP threads when the environment sets none (see withShortOpenmpSpin). */
const OPENMP_SPIN_COUNT = '10000';

/**
 * Loads the addon with its OpenMP threads' spin shortened, unless the
 * environment chooses one (OMP_WAIT_POLICY or GOMP_SPINCOUNT set). After a
 * parallel region libgomp's threads spin GOMP_SPINCOUNT times before they
 * sleep: 300,000 by default, several milliseconds where PAUSE is slow (AMD
 * Zen). On tfjs-node the next op runs on TensorFlow's own threads, which
 * then share the cores with spinning ones: stn train's step, our kernels
 * between TensorFlow's convolutions, took 52.6 ms instead of 45.2 (npm run
 * bench:step without the data worker, 2 cores of an AMD Zen 4). 10,000 spins
 * last about 1 ms there (libgomp's default about 8), enough for
 * back-to-back calls of our kernels. libgomp reads the variable once,
 * as the addon loads it, and it is removed again at once, so that child
 * processes (a PyTorch, say) do not inherit it.
 */
function withShortOpenmpSpin<T>(loadAddon: () => T): T {
  if (process.env.OMP_WAIT_POLICY !== undefined || process.env.GOMP_SPINCOUNT !== undefined) return loadAddon();
  process.env.GOMP_SPINCOUNT = OPENMP_SPIN_COUNT;
  try {
    return loadAddon();
  } finally {
    delete process.env.GOMP_SPINCOUNT;
  }
}

export const native: NativeAddon = withShortOpenmpSpin(load);
