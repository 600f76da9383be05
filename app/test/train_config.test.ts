// A run's config.json is checked field by field against the flag table, and
// --resume changes only what may change (never a cosine schedule's horizon).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';

import {parseFlags} from '../src/train/flags';
import {TENSORBOARD_IN_RUN, TRAIN_FLAGS, TrainConfig, configFromFlags, readRunConfig, resumeConfig} from
    '../src/train/run_config';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stn-config-'));
});
afterAll(() => fs.rmSync(dir, {recursive: true, force: true}));

/** The config of `stn train <args> --out <dir>`, and the flags given. */
function fromArgs(args: string[]): {config: TrainConfig, given: Set<string>} {
  const {values, given} = parseFlags('train', args, TRAIN_FLAGS);
  return {config: configFromFlags(values, dir), given};
}

function written(fields: Record<string, unknown>|string): string {
  const file = path.join(dir, 'config.json');
  fs.writeFileSync(file, typeof fields === 'string' ? fields : JSON.stringify(fields));
  return file;
}

describe('readRunConfig', () => {
  const saved = {...fromArgs([]).config, out: '/somewhere/else'};

  test('reads back what a run saved, with out set to the folder it was found in', () => {
    expect(readRunConfig('eval', written(saved), dir)).toEqual({...saved, out: dir});
  });

  test('a config.json from before --lr-schedule and --onednn trains as it did: constant rate, no oneDNN', () => {
    const {lrSchedule: _, onednn: __, ...old} = saved;
    expect(readRunConfig('eval', written(old), dir)).toMatchObject({lrSchedule: 'constant', onednn: false});
    expect(saved).toMatchObject({lrSchedule: 'cosine', onednn: true});
  });

  const broken: [string, Record<string, unknown>, string][] = [
    ['a missing field', {...saved, batch: undefined}, "field 'batch' must be an integer in [1, 4096], but got nothing"],
    ['a string for a number', {...saved, trainSize: '60000'}, "field 'trainSize' must be an integer in [1, 60000], but got \"60000\""],
    ['a value out of range', {...saved, epochs: 0}, "field 'epochs' must be an integer in [1, 1000], but got 0"],
    ['a fraction for an integer', {...saved, seed: 1.5}, "field 'seed' must be an integer in [0, 4294967295], but got 1.5"],
    ['an unknown choice', {...saved, model: 'resnet'}, "field 'model' must be one of fcn, cnn, st-fcn, st-cnn, 2st-cnn, but got \"resnet\""],
    ['null', {...saved, lr: null}, "field 'lr' must be a number in [1e-7, 1], but got null"],
    ['an unknown field', {...saved, learningRate: 0.1}, "unknown field 'learningRate'"],
    ['an st-size too large for the images', {...saved, dataset: 'r', stSize: 120},
      "field 'stSize' must be at most 4× the images' side (28 for r), but got 120"],
  ];
  test.each(broken)('%s is an error naming the file and the field', (_, fields, message) => {
    const file = written(fields);
    let error: Error|undefined;
    try {
      readRunConfig('train --resume', file, dir);
    } catch (err) {
      error = err as Error;
    }
    expect(error?.message).toBe(`stn train --resume: ${file} is not a valid run config: ${message}`);
  });

  test('a file that is not a JSON object', () => {
    expect(() => readRunConfig('eval', written('[1, 2]'), dir)).toThrow(/is not a valid run config: not a JSON object/);
    expect(() => readRunConfig('eval', written('{"dataset": '), dir)).toThrow(/stn eval: cannot read .*config.json: /);
  });
});

describe('resumeConfig', () => {
  const saved = (schedule: string) => ({...fromArgs(['--epochs', '10', '--lr-schedule', schedule]).config});

  test('no flags: the saved run, unchanged', () => {
    const {config, given} = fromArgs([]);
    expect(resumeConfig(saved('cosine'), config, given)).toEqual(saved('cosine'));
  });

  test('--epochs extends a constant-rate run', () => {
    const {config, given} = fromArgs(['--epochs', '20']);
    expect(resumeConfig(saved('constant'), config, given)).toEqual({...saved('constant'), epochs: 20});
  });

  test('--epochs cannot change the horizon of a cosine schedule; the same value is fine', () => {
    const {config, given} = fromArgs(['--epochs', '20']);
    expect(() => resumeConfig(saved('cosine'), config, given)).toThrow(
        /anneals its learning rate over 10 epochs \(lr-schedule cosine\); --epochs 20 would change the rate of every remaining epoch/);
    const same = fromArgs(['--epochs', '10']);
    expect(resumeConfig(saved('cosine'), same.config, same.given)).toEqual(saved('cosine'));
  });

  test('another setting is refused, naming the saved value', () => {
    const {config, given} = fromArgs(['--batch', '64', '--lr', '0.01']);
    expect(() => resumeConfig(saved('cosine'), config, given)).toThrow(
        'was made with batch=128, lr=0.002; only --epochs may change on resume');
  });
});

describe('--tensorboard [DIR]', () => {
  test('bare, it means the run folder\'s; with a value, that folder; it is not a setting', () => {
    const flags = (args: string[]) => parseFlags('train', args, TRAIN_FLAGS).values;
    expect(flags([]).tensorboard).toBeUndefined();
    expect(flags(['--tensorboard']).tensorboard).toBe(TENSORBOARD_IN_RUN);
    expect(flags(['--tensorboard', '--epochs', '3'])).toMatchObject({tensorboard: TENSORBOARD_IN_RUN, epochs: 3});
    expect(flags(['--tensorboard', 'logs/tb']).tensorboard).toBe('logs/tb');
    expect(flags(['--tensorboard=logs/tb']).tensorboard).toBe('logs/tb');
    expect(Object.keys(fromArgs(['--tensorboard']).config)).not.toContain('tensorboard');
  });
});
