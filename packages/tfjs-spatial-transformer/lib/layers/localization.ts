// The localisation nets of the SpatialTransformer layer: the paper's two small
// built-in nets, and (de)serialisation of a net the user builds.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

export const BUILT_IN_LOCALIZATIONS = ['fc', 'conv'] as const;
export type BuiltInLocalization = typeof BUILT_IN_LOCALIZATIONS[number];

/** A user-built localisation net as stored in a layer config. */
export interface SerializedLocalization {
  className: string;
  config: tf.serialization.ConfigDict;
}

/**
 * The layers of a built-in localisation net, in order; the regression layer
 * that outputs the transform's parameters is appended by the SpatialTransformer.
 * - 'fc': flatten → dense(32, relu) → dense(32, relu).
 * - 'conv': conv 20 5×5 (relu) → maxpool 2 → conv 20 5×5 (relu) → maxpool 2 →
 *   flatten → dense(20, relu); 'same' padding, so any input size works. For
 *   volumes (`spatialDims` 3) the convolutions and pools are 3-D (5×5×5, 2×2×2).
 * Names derive from `prefix` (the transformer's name), so a loaded model names
 * (and therefore matches) its weights the same way.
 */
export function builtInLocalization(kind: BuiltInLocalization, prefix: string,
    spatialDims: 2|3 = 2): tfl.layers.Layer[] {
  const name = (suffix: string) => `${prefix}_loc_${suffix}`;
  if (kind === 'fc') {
    return [
      tfl.layers.flatten({name: name('flatten')}),
      tfl.layers.dense({units: 32, activation: 'relu', name: name('dense1')}),
      tfl.layers.dense({units: 32, activation: 'relu', name: name('dense2')}),
    ];
  }
  const conv = spatialDims === 3 ? tfl.layers.conv3d : tfl.layers.conv2d;
  const pool = spatialDims === 3 ? tfl.layers.maxPooling3d : tfl.layers.maxPooling2d;
  return [
    conv({filters: 20, kernelSize: 5, padding: 'same', activation: 'relu', name: name('conv1')}),
    pool({poolSize: 2, strides: 2, padding: 'same', name: name('pool1')}),
    conv({filters: 20, kernelSize: 5, padding: 'same', activation: 'relu', name: name('conv2')}),
    pool({poolSize: 2, strides: 2, padding: 'same', name: name('pool2')}),
    tfl.layers.flatten({name: name('flatten')}),
    tfl.layers.dense({units: 20, activation: 'relu', name: name('dense')}),
  ];
}

/** A user's localisation Layer or LayersModel as {className, config}. */
export function serializeLocalization(net: tfl.layers.Layer): SerializedLocalization {
  return {className: net.getClassName(), config: net.getConfig()};
}

/**
 * Rebuilds a user's localisation net from {className, config} through tfjs's
 * registry of serialisable classes (built-in layers, Sequential, functional
 * models, and any registered custom class) or `customObjects`.
 * @throws Error naming `op`'s `name` option when the class is not registered.
 */
export function deserializeLocalization(op: string, name: string, value: SerializedLocalization,
    customObjects: tf.serialization.ConfigDict = {}): tfl.layers.Layer {
  const registry = tf.serialization.SerializationMap.getMap().classNameMap;
  const custom = customObjects[value.className] as unknown as typeof registry[string] | undefined;
  const entry = custom ?? registry[value.className];
  if (entry === undefined) {
    throw new Error(`${op}: ${name} must name a registered tfjs class, but got className ` +
        `'${value.className}' (register custom classes with tf.serialization.registerClass)`);
  }
  const [cls, fromConfig] = entry;
  // The same call as tfjs-layers' own deserialisation: fromConfig(cls, config, customObjects).
  const withCustom = fromConfig as (c: typeof cls, config: tf.serialization.ConfigDict,
      customObjects: tf.serialization.ConfigDict) => tf.serialization.Serializable;
  return withCustom(cls, value.config, customObjects) as unknown as tfl.layers.Layer;
}
