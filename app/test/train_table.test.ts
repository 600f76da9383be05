// The results table's rows are commands the CLI accepts, and say what they compare.
import {describe, expect, test} from 'vitest';

import {ROWS} from '../scripts/results_table';
import {parseFlags} from '../src/train/flags';
import {TRAIN_FLAGS, checkFlagsConfig, configFromFlags} from '../src/train/run_config';

describe('results table rows', () => {
  test.each(ROWS.map((r) => [r.id, r] as const))('%s: stn train accepts its flags', (_, row) => {
    const {values} = parseFlags('train', row.args, TRAIN_FLAGS);
    expect(() => checkFlagsConfig(configFromFlags(values, '/tmp/x'))).not.toThrow();
    expect(row.args).not.toContain('--out');
  });

  test('ids are unique; every target names a baseline row of the same dataset without a transformer', () => {
    expect(new Set(ROWS.map((r) => r.id)).size).toBe(ROWS.length);
    const dataset = (args: string[]) => args[args.indexOf('--dataset') + 1];
    for (const row of ROWS.filter((r) => r.target !== undefined)) {
      const base = ROWS.find((r) => r.id === row.baseline);
      expect(base, row.id).toBeDefined();
      expect(dataset(base!.args)).toBe(dataset(row.args));
      expect(base!.args[base!.args.indexOf('--model') + 1]).toBe('cnn');
    }
  });
});
