// `npm run bench:train-step`: one training step of the ST-CNN that `npm run
// train` trains (batch 128 of 42×42 → a transformer with a conv localisation
// net, output 28×28 → conv 5×5×16, pool, conv 5×5×32, pool, 64 units, 10
// logits; Adam), on 'tensorflow' through the TF-op path and through the
// copying JS path, interleaved, with the sampler's share of each step: the
// wall time spent inside our kernels (forward and backward; tfjs-node runs
// kernels synchronously, so that time is theirs alone).
//
// Flags: --rounds N (default 30), --batch N (default 128).
import * as tf from '@tensorflow/tfjs-node';

import * as stn from '../lib/index';
import {useTensorflowOps} from '../lib/tensorflow_ops';

/** Adds the wall time of every call of our kernels on 'tensorflow' to `clock.ms`. */
function timeKernels(clock: {ms: number}): void {
  for (const name of stn.SAMPLER_KERNELS) {
    const config = tf.getKernel(name, 'tensorflow')!;
    const inner = config.kernelFunc;
    (config as {kernelFunc: tf.KernelFunc}).kernelFunc = (args) => {
      const t0 = performance.now();
      try {
        return inner(args);
      } finally {
        clock.ms += performance.now() - t0;
      }
    };
  }
}

function model(): tf.LayersModel {
  const seed = (s: number) => tf.initializers.glorotUniform({seed: s});
  return tf.sequential({layers: [
    stn.spatialTransformer({inputShape: [42, 42, 1], outputSize: [28, 28], localization: 'conv'}),
    tf.layers.conv2d({filters: 16, kernelSize: 5, activation: 'relu', kernelInitializer: seed(1)}),
    tf.layers.maxPooling2d({poolSize: 2}),
    tf.layers.conv2d({filters: 32, kernelSize: 5, activation: 'relu', kernelInitializer: seed(2)}),
    tf.layers.maxPooling2d({poolSize: 2}),
    tf.layers.flatten(),
    tf.layers.dense({units: 64, activation: 'relu', kernelInitializer: seed(3)}),
    tf.layers.dense({units: 10, kernelInitializer: seed(4)}),
  ]});
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

export async function main(argv: string[]): Promise<void> {
  const flag = (name: string, fallback: number) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? Number(argv[i + 1]) : fallback;
  };
  const rounds = flag('rounds', 30), batch = flag('batch', 128);
  await tf.setBackend('tensorflow');
  console.log(`tfjs-node ${tf.version_core}; ${stn.tensorflowOps().reason}; native threads ${stn.getNumThreads()}`);
  const clock = {ms: 0};
  timeKernels(clock);
  const net = model();
  const optimizer = tf.train.adam(0.002);
  const images = tf.randomUniform([batch, 42, 42, 1]);
  const labels = tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32') as tf.Tensor1D, 10);
  const step = () => {
    const t0 = performance.now();
    clock.ms = 0;
    const loss = optimizer.minimize(
        () => tf.losses.softmaxCrossEntropy(labels, net.apply(images) as tf.Tensor) as tf.Scalar, true)!;
    loss.dataSync();  // the step's end: a training loop reads its loss
    loss.dispose();
    return {step: performance.now() - t0, sampler: clock.ms};
  };
  const paths = [['TF ops', true], ['copying', false]] as const;
  const times = new Map(paths.map(([name]) => [name, {step: [] as number[], sampler: [] as number[]}]));
  for (let r = -3; r < rounds; r++) {  // 3 warm-up rounds
    for (const [name, ops] of paths) {
      useTensorflowOps(ops);
      const t = step();
      if (r >= 0) {
        times.get(name)!.step.push(t.step);
        times.get(name)!.sampler.push(t.sampler);
      }
    }
  }
  useTensorflowOps(true);
  console.log(`training step, batch ${batch} of 42×42 → ST (conv localisation, 28×28) → CNN, Adam; ` +
      `${rounds} interleaved rounds after 3 warm-up; medians, ms`);
  console.log('path      step   sampler  share');
  for (const [name] of paths) {
    const t = times.get(name)!;
    const s = median(t.step), k = median(t.sampler);
    console.log(`${name.padEnd(8)} ${s.toFixed(1).padStart(6)} ${k.toFixed(2).padStart(8)} ` +
        `${(100 * k / s).toFixed(1).padStart(5)}%`);
  }
  const [ops, copying] = paths.map(([name]) => median(times.get(name)!.step));
  console.log(`TF ops vs copying: ${(copying / ops).toFixed(2)}× per step`);
}
