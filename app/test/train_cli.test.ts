// `stn` as a user runs it: a child process of dist/cli.js (built by test/global_setup.ts).
// --help, clear errors for bad input, `train --quick` writing every artefact,
// eval and transform on its run, and --resume after a SIGINT equalling an
// uninterrupted run.
import * as tf from '@tensorflow/tfjs-node';
import {ChildProcess, spawn, spawnSync} from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';

import {getIsa, getNumThreads} from 'tfjs-spatial-transformer';

import {EVAL_FLAGS, TRANSFORM_FLAGS} from '../src/cli';
import {parseEvent, readTfRecords} from './tfrecord';
import {TRAIN_FLAGS} from '../src/train/run_config';

const root = path.join(__dirname, '..');
const cli = path.join(root, 'dist', 'cli.js');
let tmp: string;

interface Result {
  code: number|null;
  stdout: string;
  stderr: string;
}

function stn(args: string[], timeout = 60_000): Result {
  const run = spawnSync(process.execPath, [cli, ...args], {cwd: tmp, encoding: 'utf8', timeout,
    env: {...process.env, TF_CPP_MIN_LOG_LEVEL: '2'}});
  return {code: run.status, stdout: run.stdout, stderr: run.stderr};
}

/** The metrics of a run without the timings and the machine's load, which differ between runs. */
function metrics(dir: string): Record<string, number>[] {
  return fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((line) => {
    const {seconds: _s, imagesPerSecond: _r, wallSeconds: _w, load1: _l, ...rest} = JSON.parse(line);
    return rest;
  });
}

// A --quick run takes about 15 s alone; on a loaded 2-core machine it has
// taken over 60 s.
const QUICK_RUN_MS = 180_000;

beforeAll(() => {
  // dist/ is built by test/global_setup.ts.
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stn-cli-'));
});
afterAll(() => fs.rmSync(tmp, {recursive: true, force: true}));

describe('help', () => {
  test('stn --help lists the commands; each command --help lists every flag with its default', () => {
    const main = stn(['--help']);
    expect(main.code).toBe(0);
    for (const command of ['train', 'eval', 'transform']) expect(main.stdout).toContain(command);
    for (const [command, flags] of [['train', TRAIN_FLAGS], ['eval', EVAL_FLAGS],
      ['transform', TRANSFORM_FLAGS]] as const) {
      const help = stn([command, '--help']);
      expect(help.code).toBe(0);
      for (const flag of flags) {
        const line = help.stdout.split('\n').find((l) => l.trimStart().startsWith(`--${flag.name} `) ||
            l.trim() === `--${flag.name}` || l.trimStart().startsWith(`--${flag.name}  `));
        expect(line, `--${flag.name} in stn ${command} --help`).toBeDefined();
        expect(line).toMatch(/\(default: [^)]+\)$/);
      }
    }
    expect(stn(['train', '--help']).stdout).toMatch(/--dataset <mnist\|r\|rts\|p\|e\|cluttered> .*\(default: rts\)/);
  });
});

describe('bad input: a clear message and a non-zero exit, never a stack trace', () => {
  const cases: [string, string[], RegExp][] = [
    ['unknown command', ['fit'], /stn: unknown command 'fit'/],
    ['unknown flag', ['train', '--epoch', '3'], /stn train: unknown flag --epoch \(known: --dataset/],
    ['unknown dataset', ['train', '--dataset', 'svhn'], /--dataset must be one of mnist, r, rts, p, e, cluttered, but got 'svhn'/],
    ['unknown model', ['train', '--model', 'resnet'], /--model must be one of fcn, cnn, st-fcn, st-cnn, 2st-cnn, but got 'resnet'/],
    ['epochs out of range', ['train', '--epochs', '0'], /--epochs must be an integer in \[1, 1000\], but got '0'/],
    ['non-integer batch', ['train', '--batch', '12.5'], /--batch must be an integer in \[1, 4096\], but got '12.5'/],
    ['non-numeric lr', ['train', '--lr', 'fast'], /--lr must be a number in \[1e-7, 1\], but got 'fast'/],
    ['missing value', ['train', '--seed'], /--seed needs a value/],
    ['stray argument', ['train', 'rts'], /unexpected argument 'rts'/],
    ['eval without --model', ['eval'], /stn eval: --model is required/],
    ['eval of a missing run', ['eval', '--model', 'no-such-run'], /no-such-run is not a run folder \(no config.json\)/],
  ];
  test.each(cases)('%s', (_, args, message) => {
    const result = stn(args);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  test('an unwritable output folder', () => {
    const file = path.join(tmp, 'a-file');
    fs.writeFileSync(file, '');
    const result = stn(['train', '--quick', '--out', path.join(file, 'run')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/output folder .*a-file\/run is not writable: ENOTDIR/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  test('--resume without a run', () => {
    const result = stn(['train', '--resume', '--out', path.join(tmp, 'nothing-here')]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/--resume: cannot read .*nothing-here\/config.json/);
  });
});

describe('a quick run', () => {
  let run: string;
  let result: Result;
  beforeAll(() => {
    run = path.join(tmp, 'quick');
    const start = Date.now();
    result = stn(['train', '--quick', '--out', run, '--tensorboard', '--log-every', '16']);
    result.stderr += `\n(took ${Date.now() - start} ms)`;
  }, QUICK_RUN_MS);

  test('writes every artefact, and the loss falls', () => {
    expect(result.code, result.stderr).toBe(0);
    for (const file of ['config.json', 'metrics.jsonl', 'result.json', 'error.png', 'transform.png',
      'transform-epoch001.png', 'transform-epoch003.png', 'checkpoint/model.json', 'checkpoint/weights.bin',
      'checkpoint/state.json', 'checkpoint/optimizer.bin']) {
      expect(fs.existsSync(path.join(run, file)), file).toBe(true);
    }
    for (const png of ['error.png', 'transform.png']) {
      const image = tf.node.decodePng(fs.readFileSync(path.join(run, png)), 3);
      expect(image.shape[0]).toBeGreaterThan(50);
    }
    const lines = metrics(run);
    expect(lines.map((m) => m.epoch)).toEqual([1, 2, 3]);
    expect(lines[2].trainLoss).toBeLessThan(lines[0].trainLoss * 0.8);
    expect(lines[2].testError).toBeLessThan(0.8);
    // Progress bar and per-epoch summary on stderr.
    expect(result.stderr).toMatch(/epoch 1\/3 \[#+\.*\] \d+\/48 loss \d\.\d{4} acc \d+\.\d% \d+ img\/s ETA \d:\d\d/);
    expect(result.stderr).toMatch(/final test error: \d+\.\d\d%/);
    const final = JSON.parse(fs.readFileSync(path.join(run, 'result.json'), 'utf8'));
    expect(final.testError).toBe(lines[2].testError);
  });

  test("the speed levers change no number: the same curve and weights without them (our kernels as TF ops)", () => {
    const plain = path.join(tmp, 'quick-plain');
    const off = stn(['train', '--quick', '--out', plain, '--fused-relu-grad=false', '--fast-max-pool-grad=false',
      '--data-worker=false', '--flat-adam=false']);
    expect(off.code, off.stderr).toBe(0);
    expect(metrics(plain)).toEqual(metrics(run));
    const weights = (dir: string) => fs.readFileSync(path.join(dir, 'checkpoint', 'weights.bin'));
    expect(weights(plain).equals(weights(run))).toBe(true);
    for (const dir of [run, plain]) {
      const {tensorflowOps} = JSON.parse(fs.readFileSync(path.join(dir, 'result.json'), 'utf8'));
      expect(tensorflowOps, dir).toEqual({active: true, reason: expect.stringMatching(/ops registered in TensorFlow/)});
    }
  }, QUICK_RUN_MS);

  test('result.json records the run, the code, the software and the machine', () => {
    // The CPU as lscpu names it, with the family and model numbers that tell VMs' "AMD EPYC"s apart.
    const cpuFromLscpu = () => {
      const lscpu = spawnSync('lscpu', {encoding: 'utf8'}).stdout;
      const field = (name: string) => new RegExp(`^${name}:\\s*(\\d+)$`, 'm').exec(lscpu)?.[1];
      const name = os.cpus()[0].model.trim();
      return field('CPU family') ? `${name} (family ${field('CPU family')}, model ${field('Model')})` : name;
    };
    const final = JSON.parse(fs.readFileSync(path.join(run, 'result.json'), 'utf8'));
    const head = spawnSync('git', ['rev-parse', 'HEAD'], {cwd: root, encoding: 'utf8'}).stdout.trim();
    expect(head).toMatch(/^[0-9a-f]{40}$/);
    expect(final).toMatchObject({epochs: 3, command: `stn train --quick --out ${run} --tensorboard --log-every 16`, commit: head,
      node: process.version, tfjs: tf.version.tfjs, tfjsNode: tf.version['tfjs-node'], backend: 'tensorflow',
      cpu: cpuFromLscpu(), isa: getIsa(), nativeThreads: getNumThreads(),
      cores: os.availableParallelism(), onednn: '1', config: JSON.parse(fs.readFileSync(path.join(run, 'config.json'), 'utf8'))});
    expect(typeof final.dirty).toBe('boolean');
    expect(final.tensorflow).toMatch(/^\d+\.\d+\.\d+/);
    const seconds = fs.readFileSync(path.join(run, 'metrics.jsonl'), 'utf8').trim().split('\n')
        .map((line) => JSON.parse(line).seconds as number);
    expect(final.trainingSeconds).toBeCloseTo(seconds.reduce((a, b) => a + b, 0), 6);
    expect(final.imagesPerSecond).toBeCloseTo(3 * 3072 / final.trainingSeconds, 6);
    expect(final.wallSeconds).toBeGreaterThan(final.trainingSeconds);
    expect(final.sessionSeconds).toBeGreaterThan(final.wallSeconds);
    expect(final.load1.epochs).toHaveLength(3);
  });

  test('--tensorboard writes an event file that reads back with every scalar (framing and CRCs checked)', () => {
    const dir = path.join(run, 'tensorboard');
    const files = fs.readdirSync(dir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^events\.out\.tfevents\./);
    const events = readTfRecords(fs.readFileSync(path.join(dir, files[0]))).map(parseEvent);
    expect(events[0].fileVersion).toBe('brain.Event:2');
    const series = new Map<string, [number, number][]>();
    for (const event of events) {
      for (const {tag, simpleValue} of event.values) {
        expect(simpleValue, tag).toBeDefined();
        series.set(tag, [...series.get(tag) ?? [], [event.step, simpleValue!]]);
      }
    }
    const lines = fs.readFileSync(path.join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const perEpoch = (key: string) => lines.map((m, e) => [e + 1, Math.fround(m[key])]);
    expect(series.get('epoch/train_loss')).toEqual(perEpoch('trainLoss'));
    expect(series.get('epoch/train_error')).toEqual(perEpoch('trainError'));
    expect(series.get('epoch/test_loss')).toEqual(perEpoch('testLoss'));
    expect(series.get('epoch/test_error')).toEqual(perEpoch('testError'));
    expect(series.get('epoch/learning_rate')).toEqual(perEpoch('learningRate'));
    expect(series.get('epoch/images_per_second')).toEqual(perEpoch('imagesPerSecond'));
    // 48 steps an epoch, scalars every 16: three equal chunks, whose mean is the epoch's.
    const steps = [16, 32, 48, 64, 80, 96, 112, 128, 144];
    for (const tag of ['step/train_loss', 'step/train_error', 'step/images_per_second', 'step/learning_rate']) {
      expect(series.get(tag)!.map(([step]) => step), tag).toEqual(steps);
    }
    const loss = series.get('step/train_loss')!.map(([, v]) => v);
    const error = series.get('step/train_error')!.map(([, v]) => v);
    const rate = series.get('step/learning_rate')!.map(([, v]) => v);
    lines.forEach((m, e) => {
      const mean = (v: number[]) => (v[3 * e] + v[3 * e + 1] + v[3 * e + 2]) / 3;
      expect(mean(loss)).toBeCloseTo(m.trainLoss, 5);
      expect(mean(error)).toBeCloseTo(m.trainError, 6);
      expect(rate.slice(3 * e, 3 * e + 3)).toEqual(Array(3).fill(Math.fround(m.learningRate)));
    });
    expect(series.get('step/images_per_second')!.every(([, v]) => v > 0)).toBe(true);
  });

  test('stn eval reproduces the test error and prints the confusion matrix', () => {
    const evaluation = stn(['eval', '--model', run]);
    expect(evaluation.code, evaluation.stderr).toBe(0);
    const expected = metrics(run)[2].testError;
    expect(evaluation.stdout).toContain(`test error ${(100 * expected).toFixed(2)}%`);
    expect(evaluation.stdout).toMatch(/confusion matrix/);
    const matrix = JSON.parse(fs.readFileSync(path.join(run, 'eval.json'), 'utf8')).confusion as number[][];
    expect(matrix.flat().reduce((a, b) => a + b, 0)).toBe(512);
  });

  test('stn transform writes a PNG of the input beside the transformer output', async () => {
    const digit = tf.tidy(() => tf.cast(tf.mul(tf.randomUniform([42, 42, 1], 0, 1, 'float32', 1), 255), 'int32'));
    const image = path.join(tmp, 'digit.png');
    fs.writeFileSync(image, await tf.node.encodePng(digit as tf.Tensor3D));
    const out = path.join(tmp, 'out.png');
    const transformed = stn(['transform', '--model', run, '--image', image, '--out', out]);
    expect(transformed.code, transformed.stderr).toBe(0);
    expect(transformed.stdout).toMatch(/predicted digit: \d/);
    expect(tf.node.decodePng(fs.readFileSync(out), 3).shape[1]).toBeGreaterThan(42 * 4 + 28 * 4);
    const notPng = stn(['transform', '--model', run, '--image', path.join(run, 'config.json'), '--out', out]);
    expect(notPng.code).toBe(1);
    expect(notPng.stderr).toMatch(/--image .*config.json is not a PNG/);
  });

  test('a corrupt checkpoint is named as such', () => {
    const copy = path.join(tmp, 'corrupt');
    fs.cpSync(run, copy, {recursive: true});
    const weights = path.join(copy, 'checkpoint', 'weights.bin');
    fs.truncateSync(weights, 1000);
    const evaluation = stn(['eval', '--model', copy]);
    expect(evaluation.code).toBe(1);
    expect(evaluation.stderr).toMatch(/checkpoint .*corrupt\/checkpoint is corrupt or incomplete: model.json \/ weights/);
    fs.writeFileSync(path.join(copy, 'checkpoint', 'state.json'), '{"format": "stn-train-checkpoint", ');
    const resumed = stn(['train', '--resume', '--out', copy]);
    expect(resumed.code).toBe(1);
    expect(resumed.stderr).toMatch(/checkpoint .* is corrupt or incomplete: state.json: /);
    expect(resumed.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('--resume', () => {
  const flags = ['--epochs', '2', '--train-size', '1024', '--batch', '64', '--test-size', '128', '--seed', '4'];

  /** Runs `stn train`, sends SIGINT once the progress bar shows batch 2 of epoch 1, and waits for the exit. */
  function interrupted(out: string): Promise<Result> {
    return new Promise((resolve) => {
      const child: ChildProcess = spawn(process.execPath, [cli, 'train', ...flags, '--out', out],
          {cwd: tmp, env: {...process.env, TF_CPP_MIN_LOG_LEVEL: '2'}});
      let stderr = '', stdout = '', sent = false;
      child.stdout!.on('data', (d) => stdout += d);
      child.stderr!.on('data', (d) => {
        stderr += d;
        if (!sent && /epoch 1\/2 \[[#.]+\] [2-9]\/16/.test(stderr)) {
          sent = true;
          child.kill('SIGINT');
        }
      });
      child.on('exit', (code) => resolve({code, stdout, stderr}));
    });
  }

  test('after a SIGINT mid-epoch continues to exactly the uninterrupted result', async () => {
    const whole = path.join(tmp, 'whole'), parts = path.join(tmp, 'parts');
    const straight = stn(['train', ...flags, '--out', whole]);
    expect(straight.code, straight.stderr).toBe(0);

    const stopped = await interrupted(parts);
    expect(stopped.code, stopped.stderr).toBe(130);
    expect(stopped.stderr).toMatch(/stopped at epoch 1, batch \d+\/16; checkpoint saved/);
    const state = JSON.parse(fs.readFileSync(path.join(parts, 'checkpoint', 'state.json'), 'utf8')).state;
    expect(state.epoch).toBe(0);
    expect(state.batch).toBeGreaterThan(0);

    const resumed = stn(['train', '--resume', '--out', parts]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/resuming from .*: epoch 1, batch \d+/);
    expect(metrics(parts)).toEqual(metrics(whole));
    const bytes = (dir: string) => fs.readFileSync(path.join(dir, 'checkpoint', 'weights.bin'));
    expect(bytes(parts).equals(bytes(whole))).toBe(true);
  });

  test('refuses to change the run\'s settings, and the horizon of its cosine schedule', () => {
    const result = stn(['train', '--resume', '--out', path.join(tmp, 'whole'), '--lr', '0.1']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/was made with lr=0.002; only --epochs may change on resume/);
    const longer = stn(['train', '--resume', '--out', path.join(tmp, 'whole'), '--epochs', '3']);
    expect(longer.code).toBe(2);
    expect(longer.stderr).toMatch(/anneals its learning rate over 2 epochs .*--epochs 3 would change the rate/);
  });

  test('a config.json with a missing field is named, for resume and eval alike', () => {
    const copy = path.join(tmp, 'no-batch');
    fs.cpSync(path.join(tmp, 'whole'), copy, {recursive: true});
    const file = path.join(copy, 'config.json');
    const {batch: _, ...config} = JSON.parse(fs.readFileSync(file, 'utf8'));
    fs.writeFileSync(file, JSON.stringify(config));
    for (const args of [['train', '--resume', '--out', copy], ['eval', '--model', copy]]) {
      const result = stn(args);
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.stderr).toMatch(/no-batch\/config.json is not a valid run config: field 'batch' must be an integer/);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
