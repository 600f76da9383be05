// The package's tfjs is the app's own: @tensorflow/tfjs-core and
// @tensorflow/tfjs-layers are peer dependencies, marked optional so that npm
// never installs a copy of its own next to the one the app's @tensorflow/tfjs
// or tfjs-node brings (npm places auto-installed peers before the app's
// nested dependencies, and would pick the newest version). So check here,
// first, that the app has them, and say what to install when it does not.
const PEERS = ['@tensorflow/tfjs-core', '@tensorflow/tfjs-layers'];

const missing = PEERS.filter((name) => {
  try {
    require.resolve(name);
    return false;
  } catch {
    return true;
  }
});
if (missing.length > 0) {
  throw new Error(`tfjs-spatial-transformer needs ${missing.join(' and ')} (^4.10.0), the app's own tfjs: ` +
      'install @tensorflow/tfjs-node (TensorFlow\'s CPU backend) or @tensorflow/tfjs (pure JS), ' +
      'e.g. `npm install @tensorflow/tfjs-node`');
}
