'use strict';
// A tfjs-node app that adds the package (run by consumer.test.ts in a scratch
// folder): the user's backend survives the import, the ops and their gradients
// run on 'tensorflow' and 'cpu', and an ST-CNN with the user's own
// localisation net saves and loads through this app's own tfjs.
// Prints one JSON object; argv[2] is a folder for the saved model.
const tf = require('@tensorflow/tfjs-node');

async function main() {
  await tf.setBackend('cpu');
  const stn = require('tfjs-spatial-transformer');
  const out = {tfjs: tf.version.tfjs, backendAfterImport: tf.getBackend(), ops: {}, tensorflowOps: null};

  for (const backend of ['tensorflow', 'cpu']) {
    await tf.setBackend(backend);
    const image = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
    const identity = stn.affineGrid(tf.tensor3d([[[1, 0, 0], [0, 1, 0]]]), [1, 2, 2, 1]);
    const nearest = stn.gridSample(image, identity, {mode: 'nearest'});
    const loss = (theta) => tf.sum(tf.square(stn.gridSample(image, stn.affineGrid(theta, [1, 3, 3, 1]))));
    const dTheta = tf.grad(loss)(tf.tensor3d([[[0.7, 0.1, 0.05], [-0.2, 0.8, 0.1]]]));
    out.ops[backend] = {nearest: Array.from(nearest.dataSync()), dTheta: Array.from(dTheta.dataSync())};
  }
  out.tensorflowOps = stn.tensorflowOps();

  await tf.setBackend('tensorflow');
  const localization = tf.sequential({layers: [
    tf.layers.flatten({inputShape: [16, 16, 1]}),
    tf.layers.dense({units: 8, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({seed: 1})}),
  ]});
  const model = tf.sequential({layers: [
    stn.spatialTransformer({inputShape: [16, 16, 1], localization, outputSize: [12, 12]}),
    tf.layers.conv2d({filters: 4, kernelSize: 3, activation: 'relu',
      kernelInitializer: tf.initializers.glorotUniform({seed: 2})}),
    tf.layers.flatten(),
    tf.layers.dense({units: 3, kernelInitializer: tf.initializers.glorotUniform({seed: 3})}),
  ]});
  model.compile({optimizer: tf.train.adam(0.05), loss: 'meanSquaredError'});
  const x = tf.randomUniform([8, 16, 16, 1], 0, 1, 'float32', 4);
  const y = tf.randomUniform([8, 3], 0, 1, 'float32', 5);
  await model.fit(x, y, {epochs: 3, batchSize: 4, verbose: 0});  // moves θ off the identity
  await model.save(`file://${process.argv[2]}`);
  const loaded = await tf.loadLayersModel(`file://${process.argv[2]}/model.json`);
  const a = model.predict(x).dataSync(), b = loaded.predict(x).dataSync();
  const bias = model.layers[0].getWeights().at(-1).dataSync();  // the regression layer's θ bias
  out.model = {
    firstLayer: loaded.layers[0].getClassName(),
    equal: a.length === b.length && a.every((v, i) => Object.is(v, b[i])),
    thetaMoved: Math.max(...[1, 0, 0, 0, 1, 0].map((v, i) => Math.abs(bias[i] - v))),
  };
  console.log(JSON.stringify(out));
}

main().catch((err) => {
  console.error(err.stack);
  process.exit(1);
});
