#!/usr/bin/env node
// `stn`: train spatial transformer networks on distorted MNIST, evaluate a run,
// and show what a trained transformer does to an image. Errors print one clear
// line and exit non-zero (2: bad usage, 1: a failure, 130: interrupted).
import * as fs from 'fs';
import * as path from 'path';

import {Flag, FlagValues, UsageError, camel, helpText, parseFlags} from './train/flags';
import {useOnednn} from './train/onednn';
import {QUICK, TENSORBOARD_IN_RUN, TRAIN_FLAGS, checkFlagsConfig, configFromFlags, readRunConfig, resumeConfig} from './train/run_config';

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
  const value = values[camel(name)];
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
  let config = configFromFlags(values, out);
  if (values.resume) {
    config = resumeConfig(readRunConfig('train --resume', path.join(out, 'config.json'), out), config, given);
  } else {
    checkFlagsConfig(config);
  }
  useOnednn(config.onednn);
  const {train} = await import('./train/trainer');
  const tensorboard = values.tensorboard === undefined ? undefined : {every: Number(values.logEvery),
    dir: values.tensorboard === TENSORBOARD_IN_RUN ? path.join(out, 'tensorboard') :
        path.resolve(String(values.tensorboard))};
  const summary = await train(config, {resume: Boolean(values.resume), log, tensorboard,
    fusedReluGrad: Boolean(values.fusedReluGrad), fastMaxPoolGrad: Boolean(values.fastMaxPoolGrad),
    dataWorker: Boolean(values.dataWorker),
    flatAdam: Boolean(values.flatAdam),
    command: ['stn', 'train', ...args].join(' ')});
  return summary.interrupted ? 130 : 0;
}

async function loadRun(command: string, dir: string) {
  const file = path.join(dir, 'config.json');
  if (!fs.existsSync(file)) {
    throw new UsageError(`stn ${command}: ${dir} is not a run folder (no config.json)`, 1);
  }
  const config = readRunConfig(command, file, dir);
  useOnednn(config.onednn);
  const {findCheckpoint, loadCheckpoint} = await import('./train/checkpoint');
  await import('./train/models');  // registers the layer classes a saved model names
  const checkpoint = findCheckpoint(dir);
  if (checkpoint === null) throw new UsageError(`stn ${command}: ${dir} has no checkpoint`, 1);
  const loaded = await loadCheckpoint(checkpoint);
  return {config, model: loaded.model};
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
  const {config, model} = await loadRun('transform', dir);
  const tf = await import('@tensorflow/tfjs-node');
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
