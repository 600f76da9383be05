// The paper's MNIST models (Jaderberg et al. 2015, appendix A.1), scaled down
// for a 2-core CPU: FCN and CNN classifiers, and the same classifiers behind
// one spatial transformer (ST-FCN, ST-CNN) or two in parallel (2ST-CNN).
// Every layer is named and every initialiser seeded, so a model is a pure
// function of its options and seed.
import * as tf from '@tensorflow/tfjs-node';

import {Stream, hashSeed} from './random';
import {SpatialTransformer, spatialTransformer} from 'tfjs-spatial-transformer';
import {ModelName, SamplerName, TransformName} from './names';
import {SingleChannelMaxPool} from './single_channel_pool';
import {CompositeSpatialTransformer} from './warp';

export interface ModelOptions {
  model: ModelName;
  /** Side of the square input images. */
  inputSize: number;
  transform: TransformName;
  sampler: SamplerName;
  /** Side of the transformers' square output (the classifier's input). */
  stSize: number;
  seed: number;
}

/** How many transformers a model has (0, 1 or 2). */
export function transformerCount(model: ModelName): number {
  return model.startsWith('2st') ? 2 : model.startsWith('st') ? 1 : 0;
}

/** Builds the model: input [N, S, S, 1] → logits [N, 10]. */
export function buildModel(options: ModelOptions): tf.LayersModel {
  let counter = 0;
  const init = () => tf.initializers.glorotUniform({seed: hashSeed(options.seed, Stream.init, counter++)});
  const conv = (name: string, filters: number, size: number, padding: 'same'|'valid') =>
    tf.layers.conv2d({name, filters, kernelSize: size, padding, activation: 'relu', kernelInitializer: init()});
  const dense = (name: string, units: number, activation: 'relu'|'linear' = 'relu') =>
    tf.layers.dense({name, units, activation, kernelInitializer: init()});
  const pool = (name: string) => tf.layers.maxPooling2d({name, poolSize: 2});
  const chain = (x: tf.SymbolicTensor, layers: tf.layers.Layer[]) =>
    layers.reduce((t, layer) => layer.apply(t) as tf.SymbolicTensor, x);

  const input = tf.input({name: 'image', shape: [options.inputSize, options.inputSize, 1]});
  const convolutional = options.model.endsWith('cnn');

  /** A spatial transformer whose localisation net is ours (seeded); it appends the identity regression. */
  const transformer = (prefix: string): tf.SymbolicTensor => {
    const loc = tf.sequential({name: `${prefix}_loc`, layers: convolutional ?
      [new SingleChannelMaxPool({name: `${prefix}_loc_pool1`,
        inputShape: [options.inputSize, options.inputSize, 1]}),
      conv(`${prefix}_loc_conv1`, 8, 5, 'valid'), pool(`${prefix}_loc_pool2`),
      conv(`${prefix}_loc_conv2`, 16, 5, 'valid'), tf.layers.flatten({name: `${prefix}_loc_flatten`}),
      dense(`${prefix}_loc_fc1`, 32)] :
      [tf.layers.flatten({name: `${prefix}_loc_flatten`, inputShape: [options.inputSize, options.inputSize, 1]}),
        dense(`${prefix}_loc_fc1`, 32), dense(`${prefix}_loc_fc2`, 32)]});
    const config = {name: prefix, transform: options.transform, localization: loc,
      outputSize: [options.stSize, options.stSize] as [number, number]};
    const layer = options.sampler === 'native' ? spatialTransformer(config) :
        new CompositeSpatialTransformer(config);
    return layer.apply(input) as tf.SymbolicTensor;
  };

  const count = transformerCount(options.model);
  let x: tf.SymbolicTensor = input;
  if (count === 1) x = transformer('st1');
  if (count === 2) {
    x = tf.layers.concatenate({name: 'st_concat', axis: 3})
        .apply([transformer('st1'), transformer('st2')]) as tf.SymbolicTensor;
  }
  const classifier = convolutional ?
      [conv('conv1', 16, 5, 'same'), pool('pool1'), conv('conv2', 32, 5, 'same'), pool('pool2'),
        tf.layers.flatten({name: 'flatten'}), dense('fc1', 64)] :
      [tf.layers.flatten({name: 'flatten'}), dense('fc1', 128), dense('fc2', 128)];
  const logits = chain(x, [...classifier, dense('logits', 10, 'linear')]);
  return tf.model({name: options.model, inputs: input, outputs: logits});
}

/** The spatial transformers of a model (built or loaded), in order. */
export function warpLayers(model: tf.LayersModel): SpatialTransformer[] {
  return model.layers.filter((layer): layer is SpatialTransformer => layer instanceof SpatialTransformer);
}

/** Input → what each transformer made of it, or null for a model without one. */
export function transformerModel(model: tf.LayersModel): tf.LayersModel|null {
  const warps = warpLayers(model);
  if (warps.length === 0) return null;
  return tf.model({inputs: model.inputs, outputs: warps.map((w) => w.output as tf.SymbolicTensor)});
}
