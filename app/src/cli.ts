#!/usr/bin/env node
// `stn`: train spatial transformer networks on distorted MNIST, evaluate a run,
// and show what a trained transformer does to an image. Errors print one clear
// line and exit non-zero (2: bad usage, 1: a failure, 130: interrupted).
import * as fs from 'fs';
import * as path from 'path';

import {Flag, FlagValues, UsageError, helpText, parseFlags} from './train/flags';

// Kept here (not imported from the training modules) so that --help works
// without loading tfjs or the native addon.
const DATASET_CHOICES = ['mnist', 'r', 'rts', 'p', 'e', 'cluttered'] as const;
const MODEL_CHOICES = ['fcn', 'cnn', 'st-fcn', 'st-cnn', '2st-cnn'] as const;
const TRANSFORM_CHOICES = ['affine', 'attention', 'projective', 'tps'] as const;

/** Defaults of a plain `stn train`, and those --quick uses instead for flags not given. */
const QUICK = {epochs: 3, trainSize: 3072, testSize: 512, batch: 64};

export const TRAIN_FLAGS: Flag[] = [
  {name: 'dataset', type: 'choice', choices: DATASET_CHOICES, default: 'rts',
    help: 'distorted MNIST variant: mnist (none), r (rotation), rts (rotation, scale, translation; 42×42), ' +
        'p (projective), e (elastic), cluttered (60×60)'},
  {name: 'model', type: 'choice', choices: MODEL_CHOICES, default: 'st-cnn',
    help: 'classifier: fcn, cnn, with one spatial transformer in front (st-fcn, st-cnn) or two in parallel (2st-cnn)'},
  {name: 'transform', type: 'choice', choices: TRANSFORM_CHOICES, default: 'affine',
    help: "the transformers' transformation"},
  {name: 'sampler', type: 'choice', choices: ['native', 'composite'], default: 'native',
    help: 'native kernels, or the same model with a stock-tfjs composite sampler and affine grid (for speed comparisons)'},
  {name: 'epochs', type: 'int', min: 1, max: 1000, default: 10, help: `epochs to train (--quick: ${QUICK.epochs})`},
  {name: 'batch', type: 'int', min: 1, max: 4096, default: 128, help: `batch size (--quick: ${QUICK.batch})`},
  {name: 'lr', type: 'number', min: 1e-7, max: 1, default: 0.002, help: 'adam learning rate'},
  {name: 'lr-schedule', type: 'choice', choices: ['constant', 'cosine'], default: 'cosine',
    help: "the learning rate over the run: constant, or cosine (from --lr down towards 0 at the last epoch)"},
  {name: 'seed', type: 'int', min: 0, max: 2 ** 32 - 1, default: 1,
    help: 'seed of the weights, the training subset, the data order and every distortion'},
  {name: 'train-size', type: 'int', min: 1, max: 60000, default: 60000,
    help: `training images per epoch, a seeded subset of MNIST's 60000 (--quick: ${QUICK.trainSize})`},
  {name: 'test-size', type: 'int', min: 1, max: 10000, default: 10000,
    help: `test images evaluated after each epoch, the first of MNIST's 10000 (--quick: ${QUICK.testSize})`},
  {name: 'st-size', type: 'int', min: 4, max: 256, default: 28, help: "side of the transformers' output"},
  {name: 'out', type: 'string', defaultText: 'runs/<dataset>-<model>[-<transform>]-<sampler>-seed<seed>',
    help: 'run folder: config, metrics.jsonl, checkpoint/, pictures'},
  {name: 'resume', type: 'boolean', default: false,
    help: "continue the run in --out from its checkpoint, with its config.json (only --epochs may change)"},
  {name: 'quick', type: 'boolean', default: false,
    help: 'a run small enough for CI (well under 30 s) that still writes every artefact'},
];

export const EVAL_FLAGS: Flag[] = [
  {name: 'model', type: 'string', help: 'run folder of a trained model (e.g. runs/rts-st-cnn-affine-native-seed1)'},
  {name: 'test-size', type: 'int', min: 1, max: 10000, defaultText: "the run's", help: 'test images to evaluate'},
];

export const TRANSFORM_FLAGS: Flag[] = [
  {name: 'model', type: 'string', help: 'run folder of a trained model with a spatial transformer'},
  {name: 'image', type: 'string', help: 'PNG of a digit (light on dark like MNIST; dark on light is inverted)'},
  {name: 'out', type: 'string', help: 'PNG to write: the input beside what each transformer made of it'},
];

const MAIN_HELP = `Usage: stn <command> [flags]

Spatial transformer networks on distorted MNIST, with the native gridSample/affineGrid kernels.

Commands:
  train       train a classifier (progress on stderr; metrics, checkpoints, pictures in the run folder)
  eval        test error and confusion matrix of a trained run
  transform   what a trained run's transformer makes of a PNG image

Run \`stn <command> --help\` for the flags of each command and their defaults.
Examples:
  stn train --quick
  stn train --dataset rts --model st-cnn --transform affine --epochs 8 --out runs/rts-st
  stn eval --model runs/rts-st
  stn transform --model runs/rts-st --image digit.png --out out.png
`;

const log = (line: string) => process.stderr.write(`${line}\n`);

function requireFlag(command: string, values: FlagValues, name: string): string {
  const value = values[name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())];
  if (value === undefined) throw new UsageError(`stn ${command}: --${name} is required (see stn ${command} --help)`);
  return String(value);
}

async function trainCommand(args: string[]): Promise<number> {
  const {values, given} = parseFlags('train', args, TRAIN_FLAGS);
  if (values.quick) {
    for (const [name, value] of Object.entries(QUICK)) if (!given.has(name)) values[name] = value;
  }
  const stModel = String(values.model).includes('st');
  const defaultOut = values.quick ? path.join('runs', 'quick') : path.join('runs',
      `${values.dataset}-${values.model}${stModel ? `-${values.transform}` : ''}-${values.sampler}-seed${values.seed}`);
  const out = path.resolve(String(values.out ?? defaultOut));
  const {DATASETS} = await import('./train/datasets');
  let config = {
    dataset: values.dataset, model: values.model, transform: values.transform, sampler: values.sampler,
    epochs: values.epochs, batch: values.batch, lr: values.lr, lrSchedule: values.lrSchedule,
    seed: values.seed, trainSize: values.trainSize, testSize: values.testSize, stSize: values.stSize, out,
  } as import('./train/trainer').TrainConfig;
  if (values.resume) {
    const file = path.join(out, 'config.json');
    let saved: typeof config;
    try {
      saved = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (err) {
      throw new UsageError(`stn train --resume: cannot read ${file}: ${(err as Error).message}`, 1);
    }
    const conflicts = Object.keys(saved).filter((k) => k !== 'epochs' && k !== 'out' && given.has(k) &&
        (saved as unknown as FlagValues)[k] !== (config as unknown as FlagValues)[k]);
    if (conflicts.length > 0) {
      throw new UsageError(`stn train --resume: the run in ${out} was made with ` +
          conflicts.map((k) => `${k}=${(saved as unknown as FlagValues)[k]}`).join(', ') +
          '; only --epochs may change on resume');
    }
    config = {...saved, out, epochs: given.has('epochs') ? config.epochs : saved.epochs};
  }
  if (config.stSize > DATASETS[config.dataset].size * 4) {
    throw new UsageError(`stn train: --st-size must be at most 4× the images' side ` +
        `(${DATASETS[config.dataset].size} for ${config.dataset}), but got ${config.stSize}`);
  }
  const {train} = await import('./train/trainer');
  const summary = await train(config, Boolean(values.resume), log);
  return summary.interrupted ? 130 : 0;
}

async function loadRun(command: string, dir: string) {
  const config = path.join(dir, 'config.json');
  if (!fs.existsSync(config)) {
    throw new UsageError(`stn ${command}: ${dir} is not a run folder (no config.json)`, 1);
  }
  const {findCheckpoint, loadCheckpoint} = await import('./train/checkpoint');
  await import('./train/models');  // registers the layer classes a saved model names
  const checkpoint = findCheckpoint(dir);
  if (checkpoint === null) throw new UsageError(`stn ${command}: ${dir} has no checkpoint`, 1);
  const loaded = await loadCheckpoint(checkpoint);
  return {config: JSON.parse(fs.readFileSync(config, 'utf8')) as import('./train/trainer').TrainConfig,
    model: loaded.model};
}

async function evalCommand(args: string[]): Promise<number> {
  const {values} = parseFlags('eval', args, EVAL_FLAGS);
  const dir = path.resolve(requireFlag('eval', values, 'model'));
  const {config, model} = await loadRun('eval', dir);
  const testSize = Number(values.testSize ?? config.testSize);
  const {makeTestSet, evaluate} = await import('./train/trainer');
  const {readMnist} = await import('./train/idx');
  const result = evaluate(model, makeTestSet({...config, testSize}, readMnist('test')));
  const lines = [`test error ${(100 * result.error).toFixed(2)}% (loss ${result.loss.toFixed(4)}) on ` +
      `${testSize} ${config.dataset} test images`, 'confusion matrix (rows: true digit, columns: predicted):',
  '      ' + [...Array(10).keys()].map((d) => String(d).padStart(5)).join(''),
  ...result.confusion.map((row, d) => `  ${d}:  ` + row.map((v) => String(v).padStart(5)).join(''))];
  process.stdout.write(lines.join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'eval.json'), JSON.stringify({testSize, ...result}, null, 1));
  return 0;
}

async function transformCommand(args: string[]): Promise<number> {
  const {values} = parseFlags('transform', args, TRANSFORM_FLAGS);
  const dir = path.resolve(requireFlag('transform', values, 'model'));
  const imageFile = requireFlag('transform', values, 'image');
  const outFile = requireFlag('transform', values, 'out');
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(imageFile);
  } catch (err) {
    throw new UsageError(`stn transform: cannot read --image ${imageFile}: ${(err as Error).message}`, 1);
  }
  const tf = await import('@tensorflow/tfjs-node');
  const {config, model} = await loadRun('transform', dir);
  const {transformerModel} = await import('./train/models');
  const {transformFigure} = await import('./train/png');
  const st = transformerModel(model);
  if (st === null) throw new UsageError(`stn transform: the ${config.model} in ${dir} has no spatial transformer`, 1);
  let decoded: import('@tensorflow/tfjs-node').Tensor3D;
  try {
    decoded = tf.node.decodePng(bytes, 1) as import('@tensorflow/tfjs-node').Tensor3D;
  } catch (err) {
    throw new UsageError(`stn transform: --image ${imageFile} is not a PNG tfjs can decode: ` +
        `${(err as Error).message}`, 1);
  }
  const size = model.inputs[0].shape[1] as number;
  const input = tf.tidy(() => {
    let x = tf.div(tf.cast(decoded, 'float32'), 255);
    if (tf.mean(x).dataSync()[0] > 0.5) x = tf.sub(1, x);  // dark ink on a light background
    return tf.expandDims(tf.image.resizeBilinear(x as import('@tensorflow/tfjs-node').Tensor3D, [size, size]), 0);
  });
  const outputs = tf.tidy(() => {
    const result = st.predict(input);
    return Array.isArray(result) ? result : [result];
  });
  const predicted = tf.tidy(() => tf.argMax(model.predict(input) as import('@tensorflow/tfjs-node').Tensor, 1)
      .dataSync()[0]);
  const panel = (t: import('@tensorflow/tfjs-node').Tensor) => ({pixels: t.dataSync() as Float32Array,
    height: t.shape[1]!, width: t.shape[2]!});
  const png = await transformFigure([panel(input), ...outputs.map(panel)], 1, 1, 4).png();
  try {
    fs.writeFileSync(outFile, png);
  } catch (err) {
    throw new UsageError(`stn transform: cannot write --out ${outFile}: ${(err as Error).message}`, 1);
  }
  process.stdout.write(`wrote ${outFile} (input ${size}×${size} beside the transformer output); ` +
      `predicted digit: ${predicted}\n`);
  return 0;
}

const COMMANDS: Record<string, {run: (args: string[]) => Promise<number>, help: string}> = {
  train: {run: trainCommand, help: helpText('stn train [flags]',
      'Trains a classifier on distorted MNIST. Each epoch: a progress bar on stderr, test evaluation, a line in\n' +
      'metrics.jsonl, transform.png (inputs beside the transformer outputs), error.png and a checkpoint.\n' +
      'Ctrl-C stops after the current batch with a loadable checkpoint; --resume continues it exactly.',
      TRAIN_FLAGS)},
  eval: {run: evalCommand, help: helpText('stn eval --model <run folder> [flags]',
      "Test error and confusion matrix of a run's last checkpoint (also written to eval.json).", EVAL_FLAGS)},
  transform: {run: transformCommand, help: helpText('stn transform --model <run folder> --image <png> --out <png>',
      "Applies a run's spatial transformer(s) to one image.", TRANSFORM_FLAGS)},
};

/** Runs the CLI; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    const topic = command === 'help' ? args[0] : undefined;
    process.stdout.write(topic && COMMANDS[topic] ? COMMANDS[topic].help : MAIN_HELP);
    return 0;
  }
  const entry = COMMANDS[command];
  try {
    if (entry === undefined) {
      throw new UsageError(`stn: unknown command '${command}' (commands: ${Object.keys(COMMANDS).join(', ')}; ` +
          'see stn --help)');
    }
    if (args.includes('--help') || args.includes('-h')) {
      process.stdout.write(entry.help);
      return 0;
    }
    return await entry.run(args);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\n`);
      return err.code;
    }
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`stn ${command}: error: ${message}\n`);
    if (process.env.STN_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  }, (err) => {
    process.stderr.write(`stn: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
