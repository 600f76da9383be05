// The bench's input data: seeded random images, affine maps and their grids,
// output gradients, and the raw calls' scratch outputs, as plain Float32Arrays;
// several sets of inputs per shape, for the cold calls to rotate through, and
// one set of outputs that they all write: outputs rotated through memory
// would charge the raw calls alone for writing to cold memory (S1's cold
// backward: 2.26 ms raw, 1.24 through tfjs). torch frees an output as soon
// as it is dropped, for its allocator to hand back; tfjs's outputs are fresh
// memory (report.ts's legend), which the 'native fresh' contender charges
// the raw calls with too.
import seedrandom from 'seedrandom';

import {native, SamplerShape} from '../lib/native';
import {outputElements, Shape} from './workload';

export function rng(seed: number): () => number {
  return seedrandom.alea(String(seed));
}

/** Random affine maps: rotation <= 30°, scale 0.8–1.2, shift <= 0.2. */
function randomTheta(n: number, random: () => number): Float32Array {
  const theta = new Float32Array(n * 6);
  for (let i = 0; i < n; i++) {
    const a = (random() * 2 - 1) * Math.PI / 6, s = 0.8 + 0.4 * random();
    const tx = (random() * 2 - 1) * 0.2, ty = (random() * 2 - 1) * 0.2;
    theta.set([s * Math.cos(a), -s * Math.sin(a), tx, s * Math.sin(a), s * Math.cos(a), ty], i * 6);
  }
  return theta;
}

/** The scratch outputs of the raw calls: one set per shape, shared by its input sets. */
interface Outputs {
  out: Float32Array; gin: Float32Array; ggrid: Float32Array; gtheta: Float32Array; grid2: Float32Array;
}

export interface Data extends Outputs {
  shape: Shape; dims: SamplerShape;
  input: Float32Array; theta: Float32Array; grid: Float32Array; gout: Float32Array;
}

function makeOutputs(s: Shape): Outputs {
  const count = outputElements(s), gridLength = s.n * s.h * s.w * 2;
  return {out: new Float32Array(count), gin: new Float32Array(count), ggrid: new Float32Array(gridLength),
    gtheta: new Float32Array(s.n * 6), grid2: new Float32Array(gridLength)};
}

/** Input set `set` of shape `s` (each set its own seed), writing to `outputs`. */
function makeData(s: Shape, set: number, outputs: Outputs): Data {
  const random = rng(1234 + set);
  const count = outputElements(s);
  const uniform = (k: number) => Float32Array.from({length: k}, () => random() * 2 - 1);
  const theta = randomTheta(s.n, random);
  const grid = new Float32Array(s.n * s.h * s.w * 2);
  native.affineGridForward(theta, grid, s.n, s.h, s.w, false);
  return {shape: s, dims: [s.n, s.h, s.w, s.c, s.h, s.w], input: uniform(count), theta, grid,
    gout: uniform(count), ...outputs};
}

/** A shape's buffer sets, made on first use: set 0 is the warm calls', 1.. the cold calls'. */
export class DataPool {
  private sets: Data[] = [];
  private outputs: Outputs|null = null;
  constructor(readonly shape: Shape) {}

  get(set: number): Data {
    this.outputs ??= makeOutputs(this.shape);
    while (this.sets.length <= set) this.sets.push(makeData(this.shape, this.sets.length, this.outputs));
    return this.sets[set];
  }
}
