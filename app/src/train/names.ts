// The app's vocabularies: datasets, models, transforms, samplers. No tfjs
// import here, so that --help and the check of a run's config.json load fast;
// the training modules import their names from this file.

export const DATASET_NAMES = ['mnist', 'r', 'rts', 'p', 'e', 'cluttered'] as const;
export type DatasetName = typeof DATASET_NAMES[number];

export interface DatasetInfo {
  /** Side of the square images, in pixels. */
  size: number;
  description: string;
}

export const DATASETS: Record<DatasetName, DatasetInfo> = {
  mnist: {size: 28, description: 'original MNIST, undistorted'},
  r: {size: 28, description: 'R: rotated by a uniform angle in ±90°'},
  rts: {size: 42, description: 'RTS: rotated ±45°, scaled 0.7–1.2, placed at a random position in 42×42'},
  p: {size: 28, description: 'P: projective: scaled 0.75–1.0, each corner moved by N(0, 3 px) (clipped at 2σ)'},
  e: {size: 28, description: 'E: elastic: a Gaussian-smoothed (σ 4 px) random displacement field, α 34 px, added to the identity grid'},
  cluttered: {size: 60, description: 'cluttered: the digit at a random position in 60×60 with 6 random 6×6 fragments of other digits (from their central 20×20)'},
};

export const MODEL_NAMES = ['fcn', 'cnn', 'st-fcn', 'st-cnn', '2st-cnn'] as const;
export type ModelName = typeof MODEL_NAMES[number];

/** The library's TRANSFORMS (a test checks that they agree), without loading the library. */
export const TRANSFORM_NAMES = ['affine', 'attention', 'projective', 'tps'] as const;
export type TransformName = typeof TRANSFORM_NAMES[number];

export const SAMPLER_NAMES = ['native', 'composite'] as const;
export type SamplerName = typeof SAMPLER_NAMES[number];
