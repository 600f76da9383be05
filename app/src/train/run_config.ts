// A run's settings: the flags of `stn train`, of which those marked `setting`
// decide what is trained and are saved as the run's config.json. The one
// table drives the parser, --help, and the check of a saved config.json, so a
// resumed or evaluated run never trains on a missing or wrong field.
import * as fs from 'fs';

import {Flag, FlagValues, UsageError, accepts, camel, describeType} from './flags';
import {DATASETS, DATASET_NAMES, DatasetName, MODEL_NAMES, ModelName, SAMPLER_NAMES, SamplerName,
  TRANSFORM_NAMES, TransformName} from './names';

export type LrSchedule = 'constant'|'cosine';

/** Everything a run depends on; saved as config.json in the run folder. */
export interface TrainConfig {
  dataset: DatasetName;
  model: ModelName;
  transform: TransformName;
  sampler: SamplerName;
  epochs: number;
  batch: number;
  lr: number;
  /** 'constant', or 'cosine': annealed from lr towards 0 over the run's epochs. */
  lrSchedule: LrSchedule;
  seed: number;
  trainSize: number;
  testSize: number;
  stSize: number;
  /** TF_ENABLE_ONEDNN_OPTS for the run's process: oneDNN's kernels round differently from Eigen's. */
  onednn: boolean;
  /** The run folder (absolute); not a setting: a moved run folder still resumes. */
  out: string;
}

/** A flag of `stn train`; `setting`: saved in config.json and fixed on resume (but see --epochs). */
export interface TrainFlag extends Flag {
  setting?: boolean;
  /** The value of a setting that config.json files written before it existed lack. */
  savedDefault?: number|string|boolean;
}

/** --tensorboard given bare: the run folder's tensorboard/ (the CLI resolves it). */
export const TENSORBOARD_IN_RUN = '<run folder>/tensorboard';

/** Defaults --quick uses instead for flags not given. */
export const QUICK = {epochs: 3, trainSize: 3072, testSize: 512, batch: 64};

export const TRAIN_FLAGS: TrainFlag[] = [
  {name: 'dataset', type: 'choice', choices: DATASET_NAMES, default: 'rts', setting: true,
    help: 'distorted MNIST variant: mnist (none), r (rotation), rts (rotation, scale, translation; 42×42), ' +
        'p (projective), e (elastic), cluttered (60×60)'},
  {name: 'model', type: 'choice', choices: MODEL_NAMES, default: 'st-cnn', setting: true,
    help: 'classifier: fcn, cnn, with one spatial transformer in front (st-fcn, st-cnn) or two in parallel (2st-cnn)'},
  {name: 'transform', type: 'choice', choices: TRANSFORM_NAMES, default: 'affine', setting: true,
    help: "the transformers' transformation"},
  {name: 'sampler', type: 'choice', choices: SAMPLER_NAMES, default: 'native', setting: true,
    help: 'native kernels, or the same model with a stock-tfjs composite sampler and affine grid (for speed comparisons)'},
  {name: 'epochs', type: 'int', min: 1, max: 1000, default: 10, setting: true,
    help: `epochs to train (--quick: ${QUICK.epochs})`},
  {name: 'batch', type: 'int', min: 1, max: 4096, default: 128, setting: true,
    help: `batch size (--quick: ${QUICK.batch})`},
  {name: 'lr', type: 'number', min: 1e-7, max: 1, default: 0.002, setting: true, help: 'adam learning rate'},
  {name: 'lr-schedule', type: 'choice', choices: ['constant', 'cosine'], default: 'cosine', setting: true,
    savedDefault: 'constant',
    help: "the learning rate over the run: constant, or cosine (from --lr down towards 0 at the last epoch)"},
  {name: 'seed', type: 'int', min: 0, max: 2 ** 32 - 1, default: 1, setting: true,
    help: 'seed of the weights, the training subset, the data order and every distortion'},
  {name: 'train-size', type: 'int', min: 1, max: 60000, default: 60000, setting: true,
    help: `training images per epoch, a seeded subset of MNIST's 60000 (--quick: ${QUICK.trainSize})`},
  {name: 'test-size', type: 'int', min: 1, max: 10000, default: 10000, setting: true,
    help: `test images evaluated after each epoch, the first of MNIST's 10000 (--quick: ${QUICK.testSize})`},
  {name: 'st-size', type: 'int', min: 4, max: 256, default: 28, setting: true,
    help: "side of the transformers' output (at most 4× the images' side)"},
  {name: 'onednn', type: 'boolean', default: true, setting: true, savedDefault: false,
    help: "TensorFlow's oneDNN kernels (--onednn=false: TensorFlow's default here, Eigen's): convolutions about " +
        '2× faster on this machine, rounded differently'},
  {name: 'fused-relu-grad', type: 'boolean', default: true,
    help: "the ReLU gradient as one TensorFlow op (the library's useFusedReluGrad; the same values as tfjs's)"},
  {name: 'fast-max-pool-grad', type: 'boolean', default: true,
    help: "the max-pool gradient as our native TensorFlow op (the library's useFastMaxPoolGrad; the same values as " +
        "TensorFlow's MaxPoolGrad)"},
  {name: 'data-worker', type: 'boolean', default: true,
    help: 'make each batch on a worker thread while the previous one trains (the same images)'},
  {name: 'flat-adam', type: 'boolean', default: true,
    help: "Adam as one update of all the variables (the same bits as tfjs's Adam, which --flat-adam=false uses)"},
  {name: 'out', type: 'string', defaultText: 'runs/<dataset>-<model>[-<transform>]-<sampler>-seed<seed>',
    help: 'run folder: config, metrics.jsonl, checkpoint/, pictures'},
  {name: 'resume', type: 'boolean', default: false,
    help: "continue the run in --out from its checkpoint, with its config.json (only --epochs may change, " +
        'and not under the cosine schedule)'},
  {name: 'tensorboard', type: 'string', bare: TENSORBOARD_IN_RUN, defaultText: 'off',
    help: 'write TensorBoard scalars (each epoch, and every --log-every steps) into this folder'},
  {name: 'log-every', type: 'int', min: 1, max: 100000, default: 50,
    help: 'steps between the per-step TensorBoard scalars'},
  {name: 'quick', type: 'boolean', default: false,
    help: 'a run small enough for CI (well under 30 s) that still writes every artefact'},
];

const SETTINGS = TRAIN_FLAGS.filter((f) => f.setting);

/** The run's settings from parsed flag values (camelCase names), plus the run folder. */
export function configFromFlags(values: FlagValues, out: string): TrainConfig {
  const config: Record<string, unknown> = {};
  for (const flag of SETTINGS) config[camel(flag.name)] = values[camel(flag.name)];
  return {...config, out} as unknown as TrainConfig;
}

/** The settings' rule across fields: a problem (the setting and what is wrong), or null. */
function crossFieldProblem(config: TrainConfig): {flag: string, text: string}|null {
  const side = DATASETS[config.dataset].size;
  if (config.stSize > 4 * side) {
    return {flag: 'st-size', text: `must be at most 4× the images' side (${side} for ${config.dataset}), ` +
        `but got ${config.stSize}`};
  }
  return null;
}

/**
 * Checks the settings made from the command line.
 * @throws UsageError naming the flag.
 */
export function checkFlagsConfig(config: TrainConfig): void {
  const problem = crossFieldProblem(config);
  if (problem !== null) throw new UsageError(`stn train: --${problem.flag} ${problem.text}`);
}

/**
 * Reads and checks a run's config.json: every setting present (or, for one
 * added later, its savedDefault) and valid as its flag would be, no unknown
 * field. `out` becomes `dir`.
 * @param command the command, for messages ('train --resume', 'eval', …).
 * @throws UsageError (exit code 1) naming the file and the field.
 */
export function readRunConfig(command: string, file: string, dir: string): TrainConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`stn ${command}: cannot read ${file}: ${(err as Error).message}`, 1);
  }
  const bad = (what: string) => new UsageError(`stn ${command}: ${file} is not a valid run config: ${what}`, 1);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw bad('not a JSON object');
  const saved = raw as Record<string, unknown>;
  const known = new Set([...SETTINGS.map((f) => camel(f.name)), 'out']);
  const unknown = Object.keys(saved).filter((k) => !known.has(k));
  if (unknown.length > 0) throw bad(`unknown field '${unknown[0]}'`);
  const config: Record<string, unknown> = {};
  for (const flag of SETTINGS) {
    const key = camel(flag.name);
    const value = key in saved ? saved[key] : flag.savedDefault;
    if (!accepts(flag, value)) {
      throw bad(`field '${key}' must be ${describeType(flag)}, but got ${JSON.stringify(value) ?? 'nothing'}`);
    }
    config[key] = value;
  }
  const checked = {...config, out: dir} as unknown as TrainConfig;
  const problem = crossFieldProblem(checked);
  if (problem !== null) throw bad(`field '${camel(problem.flag)}' ${problem.text}`);
  return checked;
}

/**
 * The settings of a resumed run: the saved ones, with --epochs changed if given.
 * @param given the camelCase names of the flags given on the command line.
 * @throws UsageError when a given setting differs from the saved one, or --epochs changes a cosine schedule.
 */
export function resumeConfig(saved: TrainConfig, flags: TrainConfig, given: Set<string>): TrainConfig {
  const conflicts = SETTINGS.map((f) => camel(f.name)).filter((k) => k !== 'epochs' && given.has(k) &&
      (saved as unknown as FlagValues)[k] !== (flags as unknown as FlagValues)[k]);
  if (conflicts.length > 0) {
    throw new UsageError(`stn train --resume: the run in ${saved.out} was made with ` +
        conflicts.map((k) => `${k}=${(saved as unknown as FlagValues)[k]}`).join(', ') +
        '; only --epochs may change on resume');
  }
  if (!given.has('epochs') || flags.epochs === saved.epochs) return saved;
  if (saved.lrSchedule === 'cosine') {
    // The schedule's horizon is the run's epochs: changing it would change every remaining epoch's rate.
    throw new UsageError(`stn train --resume: the run in ${saved.out} anneals its learning rate over ` +
        `${saved.epochs} epochs (lr-schedule cosine); --epochs ${flags.epochs} would change the rate of every ` +
        'remaining epoch, so it cannot change on resume. Start a new run with the epochs you want.');
  }
  return {...saved, epochs: flags.epochs};
}
