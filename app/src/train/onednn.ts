// oneDNN for this process's libtensorflow. TensorFlow reads
// TF_ENABLE_ONEDNN_OPTS once, when the library loads (it leaves oneDNN off by
// default on CPUs like this one's), so the CLI sets it from the run's --onednn
// before anything imports tfjs-node. oneDNN's convolutions are about twice as
// fast here and round differently (npm run bench:step shows the loss drift).
// No tfjs import here, on purpose.

/** Whether libtensorflow is already loaded in this process (then the setting can no longer change). */
function tensorflowLoaded(): boolean {
  let entry: string;
  try {
    entry = require.resolve('@tensorflow/tfjs-node');
  } catch {
    return false;
  }
  return require.cache[entry] !== undefined;
}

/**
 * Sets TF_ENABLE_ONEDNN_OPTS for the libtensorflow this process will load.
 * @throws Error when tfjs-node is already loaded with the other setting.
 */
export function useOnednn(on: boolean): void {
  const value = on ? '1' : '0';
  if (tensorflowLoaded()) {
    if ((process.env.TF_ENABLE_ONEDNN_OPTS === '1') !== on) {
      throw new Error(`oneDNN ${on ? 'on' : 'off'} was asked for after tfjs-node loaded with ` +
          `TF_ENABLE_ONEDNN_OPTS=${process.env.TF_ENABLE_ONEDNN_OPTS ?? 'unset'}; set it before importing tfjs-node`);
    }
    return;
  }
  process.env.TF_ENABLE_ONEDNN_OPTS = value;
}
