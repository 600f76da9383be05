// The training job: distorted MNIST batches made on the fly, a custom loop
// (adam, softmax cross-entropy) with a progress bar, test evaluation, metrics,
// pictures and a checkpoint every epoch, a clean stop on SIGINT, and --resume.
//
// Determinism: the training subset, each epoch's order and every distortion
// are pure functions of (seed, epoch, index); initial weights come from seeded
// initialisers; a checkpoint holds weights, optimizer slots and the position
// in the epoch. So a resumed run computes exactly what an uninterrupted one does.
import * as tf from '@tensorflow/tfjs-node';
import * as fs from 'fs';
import * as path from 'path';

import {useFastMaxPoolGrad, useFusedReluGrad} from 'tfjs-spatial-transformer';

import {EpochMetrics, TrainState, findCheckpoint, loadCheckpoint, saveCheckpoint} from './checkpoint';
import {AdamState, TrainOptimizer} from './adam_state';
import {Batch, BatchKey, BatchSource, InlineBatches, WorkerBatches} from './batches';
import {distortBatch} from './datasets';
import {FlatAdam} from './flat_adam';
import {MnistSplit, readMnist} from './idx';
import {buildModel, transformerModel} from './models';
import {DATASETS} from './names';
import {errorPlot, transformFigure} from './png';
import {ProgressBar} from './progress';
import {Random, Stream, hashSeed, permutation} from './random';
import {Provenance, load1, provenance} from './provenance';
import {TrainConfig} from './run_config';
import {trainStep} from './step';
import {TensorBoardLog} from './tensorboard';

export interface TrainOptions {
  /** Continue the run in config.out from its checkpoint. */
  resume: boolean;
  log: (line: string) => void;
  /** The command line, as result.json records it. */
  command: string;
  /** Use the library's useFusedReluGrad while training (the same values, faster on 'tensorflow'). */
  fusedReluGrad: boolean;
  /** Use the library's useFastMaxPoolGrad while training (the same values, faster on 'tensorflow'). */
  fastMaxPoolGrad: boolean;
  /** Make each batch on a worker thread while the previous one trains (the same images). */
  dataWorker: boolean;
  /** FlatAdam (all variables in one update; the same bits) instead of tfjs's Adam. */
  flatAdam: boolean;
  /** Write TensorBoard scalars into `dir`, the step scalars every `every` steps. */
  tensorboard?: {dir: string, every: number};
  stop?: StopSignal;
}

export interface TrainSummary {
  testError: number;
  history: EpochMetrics[];
  interrupted: boolean;
}

/**
 * The learning rate of `epoch` (0-based): a pure function of the epoch and the
 * schedule's horizon (the run's epochs), so --resume stays exact.
 */
export function learningRate(config: Pick<TrainConfig, 'lr'|'lrSchedule'|'epochs'>, epoch: number): number {
  if (config.lrSchedule === 'constant') return config.lr;
  return config.lr * 0.5 * (1 + Math.cos(Math.PI * epoch / config.epochs));
}

/** A SIGINT makes training stop after the current batch; a second one exits at once. */
export class StopSignal {
  requested = false;
  private readonly handler = () => {
    if (this.requested) {
      process.stderr.write('\nsecond interrupt: exiting now (the last checkpoint is intact)\n');
      process.exit(130);
    }
    this.requested = true;
    process.stderr.write('\ninterrupt: stopping after the current batch (Ctrl-C again to exit now)\n');
  };

  install(): void {
    process.on('SIGINT', this.handler);
  }

  remove(): void {
    process.off('SIGINT', this.handler);
  }
}

/** Makes `dir` (and parents) and checks that files can be written in it. */
export function ensureWritableDir(dir: string, what: string): void {
  try {
    fs.mkdirSync(dir, {recursive: true});
    const probe = path.join(dir, `.write-test-${process.pid}`);
    fs.writeFileSync(probe, '');
    fs.rmSync(probe);
  } catch (err) {
    throw new Error(`${what} ${dir} is not writable: ${(err as Error).message}`);
  }
}

/** The run's fixed test set: the first `size` test digits, distorted with the test stream. */
export function makeTestSet(config: Pick<TrainConfig, 'dataset'|'seed'|'testSize'>, source: MnistSplit,
    chunk = 500): {images: tf.Tensor4D, labels: tf.Tensor1D}[] {
  const batches = [];
  for (let start = 0; start < config.testSize; start += chunk) {
    const indices = Array.from({length: Math.min(chunk, config.testSize - start)}, (_, i) => start + i);
    batches.push(distortBatch(config.dataset, source, indices, {seed: config.seed, split: 'test', epoch: 0}));
  }
  return batches;
}

/** Mean loss, error and the confusion matrix (rows: true label, columns: prediction). */
export function evaluate(model: tf.LayersModel, batches: {images: tf.Tensor4D, labels: tf.Tensor1D}[]):
    {loss: number, error: number, confusion: number[][]} {
  let lossSum = 0, wrong = 0, count = 0;
  const confusion = Array.from({length: 10}, () => new Array<number>(10).fill(0));
  for (const {images, labels} of batches) {
    const [loss, predicted] = tf.tidy(() => {
      const logits = model.predict(images, {batchSize: 250}) as tf.Tensor2D;
      const loss = tf.losses.softmaxCrossEntropy(tf.oneHot(labels, 10), logits, undefined, 0,
          tf.Reduction.SUM);
      return [loss.dataSync()[0], tf.argMax(logits, 1).dataSync()];
    }) as [number, Int32Array];
    const truth = labels.dataSync();
    lossSum += loss;
    for (let i = 0; i < truth.length; i++) {
      confusion[truth[i]][predicted[i]]++;
      if (predicted[i] !== truth[i]) wrong++;
    }
    count += truth.length;
  }
  return {loss: lossSum / count, error: wrong / count, confusion};
}

/** Writes transform.png (inputs beside the transformers' outputs) and error.png into `out`. */
export async function writePictures(out: string, model: tf.LayersModel, sample: tf.Tensor4D,
    history: EpochMetrics[], epoch: number): Promise<string[]> {
  const written: string[] = [];
  const st = transformerModel(model);
  if (st !== null) {
    const outputs = tf.tidy(() => {
      const result = st.predict(sample);
      return Array.isArray(result) ? result : [result];
    });
    const panel = (t: tf.Tensor) => ({pixels: t.dataSync() as Float32Array, height: t.shape[1]!,
      width: t.shape[2]!});
    const figure = transformFigure([panel(sample), ...outputs.map(panel)], sample.shape[0]);
    tf.dispose(outputs);
    const png = await figure.png();
    const name = `transform-epoch${String(epoch).padStart(3, '0')}.png`;
    fs.writeFileSync(path.join(out, name), png);
    fs.writeFileSync(path.join(out, 'transform.png'), png);
    written.push(name, 'transform.png');
  }
  const plot = errorPlot(history.map((m) => m.trainError), history.map((m) => m.testError));
  fs.writeFileSync(path.join(out, 'error.png'), await plot.png());
  written.push('error.png');
  return written;
}

function percent(x: number): string {
  return `${(100 * x).toFixed(2)}%`;
}

/** result.json: the outcome of a finished run, how long it took, and what it ran on. */
export interface RunResult extends Provenance {
  /** The last epoch's test error. */
  testError: number;
  epochs: number;
  /** The epochs' training time (batches only). */
  trainingSeconds: number;
  /** The epochs' training and test evaluation time. */
  wallSeconds: number;
  /** The elapsed time of the session that finished the run, from start-up to result.json. */
  sessionSeconds: number;
  /** Training images per second over the whole run. */
  imagesPerSecond: number;
  /** The command of the session that finished the run. */
  command: string;
  config: TrainConfig;
  /** 1-minute load averages: when this session started, after each epoch, at the end. */
  load1: {start: number, epochs: number[], end: number};
}

/**
 * Trains (or, with `resume`, continues) the run in config.out.
 * @returns the final test error and the per-epoch metrics; `interrupted` when SIGINT stopped it.
 * @throws Error with a clear message for an unwritable folder or a corrupt checkpoint.
 */
export async function train(config: TrainConfig, options: TrainOptions): Promise<TrainSummary> {
  const {resume, log, command, tensorboard, fusedReluGrad, fastMaxPoolGrad, dataWorker, flatAdam,
    stop = new StopSignal()} = options;
  ensureWritableDir(config.out, 'output folder');
  const loadAtStart = load1();
  const sessionStart = performance.now();
  const info = DATASETS[config.dataset];
  log(`data: MNIST ${config.dataset} (${info.description}), ${config.trainSize} training and ` +
      `${config.testSize} test images`);
  const trainSource = readMnist('train');
  const testSource = readMnist('test');
  const subset = permutation(trainSource.count, new Random(hashSeed(config.seed, Stream.pick)))
      .subarray(0, config.trainSize);
  const testSet = makeTestSet(config, testSource);
  const sample = tf.tidy(() => testSet[0].images.slice(0, Math.min(16, config.testSize)));

  const model = buildModel({model: config.model, inputSize: info.size, transform: config.transform,
    sampler: config.sampler, stSize: config.stSize, seed: config.seed});
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const adam: TrainOptimizer = flatAdam ? new FlatAdam(variables, config.lr) :
      new AdamState(tf.train.adam(config.lr));
  let state: TrainState = {epoch: 0, batch: 0, lossSum: 0, correct: 0, seen: 0, seconds: 0, wallSeconds: 0,
    history: []};
  if (resume) {
    const dir = findCheckpoint(config.out);
    if (dir === null) throw new Error(`--resume: no checkpoint in ${config.out} to resume from`);
    const loaded = await loadCheckpoint(dir);
    const names = model.weights.map((w) => w.originalName);
    const loadedNames = loaded.model.weights.map((w) => w.originalName);
    if (names.join() !== loadedNames.join()) {
      throw new Error(`checkpoint ${dir} holds another model (weights ${loadedNames.join(', ')}), ` +
          `not ${config.model} with ${config.transform} transforms`);
    }
    model.setWeights(loaded.model.getWeights());
    loaded.model.dispose();
    await loaded.restoreOptimizer(adam);
    state = loaded.state;
    log(`resuming from ${dir}: epoch ${state.epoch + 1}, batch ${state.batch}`);
  }
  fs.writeFileSync(path.join(config.out, 'config.json'), JSON.stringify(config, null, 1));
  const metricsFile = path.join(config.out, 'metrics.jsonl');
  fs.writeFileSync(metricsFile, state.history.map((m) => JSON.stringify(m) + '\n').join(''));

  const parameters = variables.reduce((sum, v) => sum + v.size, 0);
  log(`model: ${config.model}${config.model.includes('st') ? ` (${config.transform}, ${config.sampler} ` +
      `sampler)` : ''}, ${parameters} parameters; adam lr ${config.lr} (${config.lrSchedule}), batch ${config.batch}, ` +
      `seed ${config.seed}; oneDNN ${config.onednn ? 'on' : 'off'}, ReLU gradient ` +
      `${fusedReluGrad ? 'fused' : "tfjs's"}, max-pool gradient ${fastMaxPoolGrad ? 'ours' : "TensorFlow's"}, ` +
      `${flatAdam ? 'flat' : "tfjs's"} Adam, data ` +
      `${dataWorker ? 'on a worker thread' : 'between steps'}; run folder ${config.out}`);
  const batches = Math.ceil(config.trainSize / config.batch);
  let board: TensorBoardLog|null = null;
  if (tensorboard !== undefined) {
    ensureWritableDir(tensorboard.dir, 'TensorBoard folder');
    board = new TensorBoardLog(tensorboard.dir, tensorboard.every);
    log(`TensorBoard scalars: ${tensorboard.dir} (tensorboard --logdir ${tensorboard.dir})`);
  }
  stop.install();
  const restoreReluGrad = fusedReluGrad ? useFusedReluGrad() : () => {};
  const restoreMaxPoolGrad = fastMaxPoolGrad ? useFastMaxPoolGrad() : () => {};
  const source: BatchSource = dataWorker ? new WorkerBatches(config.dataset, config.seed, trainSource) :
      new InlineBatches(config.dataset, config.seed, trainSource);
  let next: Promise<Batch>|null = null;
  try {
    for (; state.epoch < config.epochs; state.epoch++) {
      const epoch = state.epoch;
      adam.learningRate = learningRate(config, epoch);
      const order = permutation(config.trainSize, new Random(hashSeed(config.seed, Stream.order, epoch)));
      const bar = new ProgressBar(`epoch ${epoch + 1}/${config.epochs}`, batches);
      const epochStart = performance.now();
      const wall = () => state.wallSeconds + (performance.now() - epochStart) / 1000;
      board?.restart();
      let imagesHere = 0;
      const key = (batch: number): BatchKey => {
        const start = batch * config.batch;
        return {epoch, indices: Array.from(order.subarray(start, Math.min(start + config.batch, config.trainSize)),
            (i) => subset[i])};
      };
      for (; state.batch < batches; state.batch++) {
        const {images, labels} = await (next ?? source.make(key(state.batch)));
        // With the data worker, the next batch is made while this one trains.
        next = dataWorker && state.batch + 1 < batches ? source.make(key(state.batch + 1)) : null;
        const {loss, correct} = trainStep(model, variables, adam, images, labels);
        const count = labels.size;
        tf.dispose([images, labels]);
        if (!Number.isFinite(loss)) {
          throw new Error(`training diverged: the loss is ${loss} at epoch ${epoch + 1}, batch ` +
              `${state.batch + 1}; try a smaller --lr (now ${config.lr})`);
        }
        board?.step(epoch * batches + state.batch + 1, loss, count - correct, count, adam.learningRate);
        state.lossSum += loss * count;
        state.correct += correct;
        state.seen += count;
        imagesHere += count;
        bar.update(state.batch + 1, imagesHere, state.lossSum / state.seen, state.correct / state.seen);
        // Let the event loop run, so that a SIGINT is seen after this batch.
        await new Promise((resolve) => setImmediate(resolve));
        if (stop.requested) {
          state.batch++;
          state.seconds += bar.elapsed();
          state.wallSeconds = wall();
          bar.finish();
          await saveCheckpoint(config.out, model, adam, state);
          board?.flush();
          log(`stopped at epoch ${epoch + 1}, batch ${state.batch}/${batches}; checkpoint saved. ` +
              `Continue with: stn train --resume --out ${config.out}`);
          return {testError: NaN, history: state.history, interrupted: true};
        }
      }
      bar.finish();
      const seconds = state.seconds + bar.elapsed();
      const test = evaluate(model, testSet);
      const metrics: EpochMetrics = {epoch: epoch + 1, trainLoss: state.lossSum / state.seen,
        trainError: 1 - state.correct / state.seen, testLoss: test.loss, testError: test.error,
        learningRate: adam.learningRate, seconds, imagesPerSecond: state.seen / seconds, wallSeconds: wall(),
        load1: load1()};
      state.history.push(metrics);
      fs.appendFileSync(metricsFile, JSON.stringify(metrics) + '\n');
      board?.epoch(metrics);
      log(`epoch ${epoch + 1}/${config.epochs}: train loss ${metrics.trainLoss.toFixed(4)} error ` +
          `${percent(metrics.trainError)}, test loss ${test.loss.toFixed(4)} error ${percent(test.error)}; ` +
          `${seconds.toFixed(1)} s training (${metrics.imagesPerSecond.toFixed(0)} img/s), load ${metrics.load1}`);
      await writePictures(config.out, model, sample, state.history, epoch + 1);
      Object.assign(state, {epoch: epoch + 1, batch: 0, lossSum: 0, correct: 0, seen: 0, seconds: 0,
        wallSeconds: 0});
      await saveCheckpoint(config.out, model, adam, state);
      state.epoch = epoch;  // the loop's increment moves it on
      if (stop.requested) {
        log(`stopped after epoch ${epoch + 1}; checkpoint saved. Continue with: stn train --resume --out ` +
            `${config.out}`);
        return {testError: metrics.testError, history: state.history, interrupted: true};
      }
    }
  } finally {
    stop.remove();
    restoreReluGrad();
    restoreMaxPoolGrad();
    // A batch made ahead for a step that never came (a stop, an error) is dropped.
    next?.then((batch) => tf.dispose([batch.images, batch.labels]), () => {});
    await source.close();
    adam.dispose();
  }
  const last = state.history[state.history.length - 1];
  const testError = last ? last.testError : evaluate(model, testSet).error;
  const sum = (key: 'seconds'|'wallSeconds') => state.history.reduce((s, m) => s + m[key], 0);
  const trainingSeconds = sum('seconds');
  const result: RunResult = {testError, epochs: state.history.length, trainingSeconds,
    wallSeconds: sum('wallSeconds'), sessionSeconds: (performance.now() - sessionStart) / 1000, imagesPerSecond: state.history.length * config.trainSize / trainingSeconds,
    command, config, load1: {start: loadAtStart, epochs: state.history.map((m) => m.load1), end: load1()},
    ...provenance()};
  fs.writeFileSync(path.join(config.out, 'result.json'), JSON.stringify(result, null, 1));
  log(`final test error: ${percent(testError)} (${config.testSize} test images)`);
  return {testError, history: state.history, interrupted: false};
}
