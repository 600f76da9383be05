'use strict';
// An app on pure @tensorflow/tfjs (no tfjs-node), run by consumer.test.ts:
// gridSample's gradients on 'cpu' against central finite differences, and a
// SpatialTransformer layer. Prints one JSON object.
const tf = require('@tensorflow/tfjs');
const stn = require('tfjs-spatial-transformer');

async function main() {
  await tf.ready();
  const image = tf.tensor4d([0.1, 0.9, 0.4, 0.3, 0.8, 0.2, 0.6, 0.5, 0.7], [1, 3, 3, 1]);
  const grid = tf.tensor4d([0.13, -0.41, -0.52, 0.27, 0.36, 0.62, -0.18, -0.07], [1, 2, 2, 2]);
  const f = (input, g) => tf.sum(tf.mul(stn.gridSample(input, g, {paddingMode: 'border'}),
      tf.tensor4d([1, -2, 3, 0.5], [1, 2, 2, 1])));
  const [dInput, dGrid] = tf.grads(f)([image, grid]);
  // Central differences of f with respect to each grid coordinate, in float64 around float32 steps.
  const h = 1e-3, values = grid.dataSync(), fd = [];
  for (let i = 0; i < values.length; i++) {
    const at = (d) => {
      const v = Float32Array.from(values);
      v[i] += d;
      return f(image, tf.tensor4d(v, grid.shape)).dataSync()[0];
    };
    fd.push((at(h) - at(-h)) / (2 * h));
  }
  const layer = stn.spatialTransformer({inputShape: [3, 3, 1]});
  const model = tf.sequential({layers: [layer]});
  console.log(JSON.stringify({
    tfjs: tf.version.tfjs,
    backend: tf.getBackend(),
    dGrid: Array.from(dGrid.dataSync()),
    dGridFiniteDifferences: fd,
    dInputSum: tf.sum(dInput).dataSync()[0],
    identityLayer: Array.from(model.predict(image).dataSync()),
    image: Array.from(image.dataSync()),
  }));
}

main().catch((err) => {
  console.error(err.stack);
  process.exit(1);
});
