// The results table: its rows are commands the CLI accepts and say what they
// compare; the runner (compiled, as npm run table runs it) probes, trains,
// keeps what is done, and writes the table from the run folders.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {describe, expect, test, vi} from 'vitest';

import {ROWS} from '../scripts/results_table';
import {parseFlags} from '../src/train/flags';
import {TRAIN_FLAGS, checkFlagsConfig, configFromFlags} from '../src/train/run_config';

describe('results table rows', () => {
  test.each(ROWS.map((r) => [r.id, r] as const))('%s: stn train accepts its flags', (_, row) => {
    const {values} = parseFlags('train', row.args, TRAIN_FLAGS);
    expect(() => checkFlagsConfig(configFromFlags(values, '/tmp/x'))).not.toThrow();
    expect(row.args).not.toContain('--out');
    expect(row.args).not.toContain('--epochs');
    expect(row.budget).toBeGreaterThan(0);
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

describe('the runner', () => {
  // The compiled runner: it starts dist/cli.js (test/global_setup.ts builds both).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const runner = require('../dist-tools/scripts/results_table') as typeof import('../scripts/results_table');
  const tiny: import('../scripts/results_table').Row = {id: 'tiny', budget: 0.05, paper: 2.1, target: 0.01,
    baseline: 'tiny-cnn',
    args: ['--dataset', 'mnist', '--model', 'fcn', '--train-size', '512', '--test-size', '100', '--batch', '64']};

  test('with no row run yet, the table lists every row as not run, with the command that runs it', () => {
    const runs = fs.mkdtempSync(path.join(os.tmpdir(), 'stn-table-'));
    const text = runner.table(runs, ROWS);
    fs.rmSync(runs, {recursive: true, force: true});
    expect(text).toContain('**No row has been run yet**');
    expect(text).not.toContain('Machine:');
    for (const row of ROWS) {
      expect(text).toContain(`npm run table -- run --only ${row.id}  # not run`);
      expect(text).toMatch(new RegExp(`^\\| ${row.id} \\| [A-Z]+ \\| [-A-Z0-9]+( \\(\\w+\\))? \\| ${row.budget} \\|.* not run \\|`, 'm'));
    }
    expect(text).toMatch(/^\| rts-st-cnn \| RTS \| ST-CNN \(affine\) \| 30 \|.* not run \| 0.5% \| ≤ 0.5%: not run \|$/m);
  });

  test('probes, trains with the epochs that fit, keeps a finished row, and tables it', () => {
    const runs = fs.mkdtempSync(path.join(os.tmpdir(), 'stn-table-'));
    const messages: string[] = [];
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((text) => {
      messages.push(String(text));
      return true;
    });
    try {
      runner.run(runs, [tiny]);
      const result = JSON.parse(fs.readFileSync(path.join(runs, 'tiny', 'result.json'), 'utf8'));
      // The probe's speed: its second epoch's (the first includes the warm-up).
      const probe = fs.readFileSync(path.join(runs, 'tiny.probe', 'metrics.jsonl'), 'utf8').trim().split('\n');
      expect(probe).toHaveLength(2);
      const epochs = Math.max(1, Math.floor(0.85 * 0.05 * 60 * JSON.parse(probe[1]).imagesPerSecond / 512));
      expect(result.epochs).toBe(epochs);
      expect(result.command).toBe(`stn train ${tiny.args.join(' ')} --epochs ${epochs} --out ` +
          path.relative(path.join(__dirname, '..', '..'), path.join(runs, 'tiny')));
      messages.length = 0;
      runner.run(runs, [tiny]);
      expect(messages.join('')).toMatch(/tiny: done with this code \(\d+\.\d\d%\), kept/);
      // Interrupted (a checkpoint, no result.json) under this code: resumed.
      const resultFile = path.join(runs, 'tiny', 'result.json');
      fs.rmSync(resultFile);
      messages.length = 0;
      runner.run(runs, [tiny]);
      expect(messages.join('')).toContain(`tiny: resuming: ${result.command}`);
      expect(JSON.parse(fs.readFileSync(resultFile, 'utf8')).testError).toBe(result.testError);
      // Interrupted under other code: kept aside, and the row trained afresh.
      fs.rmSync(resultFile);
      fs.writeFileSync(path.join(runs, 'tiny', 'table-started.json'), JSON.stringify({commit: 'f'.repeat(40), dirty: false}));
      messages.length = 0;
      runner.run(runs, [tiny]);
      expect(messages.join('')).toContain(`tiny: interrupted, started at ffffffff; moved to ${path.join(runs, 'tiny.ffffffff')}`);
      expect(messages.join('')).toMatch(/tiny: running: /);
      expect(fs.existsSync(path.join(runs, 'tiny.ffffffff', 'checkpoint', 'state.json'))).toBe(true);
      expect(fs.existsSync(resultFile)).toBe(true);
    } finally {
      stderr.mockRestore();
    }
    const text = runner.table(runs, [tiny, {...tiny, id: 'tiny-cnn', target: undefined, baseline: undefined}]);
    expect(text).toMatch(/Machine: .+, \d+ cores, our kernels' ISA \w+/);
    expect(text).toMatch(/\| tiny \| MNIST \| FCN \| 0.05 \| \d+ \| [\d.]+ \| [\d.]+ \| \d+ \| [\d.]+ \| [\d.]+% \| 2.1% \| ≤ 0.01%: \*\*missed\*\* by [\d.]+ points; no baseline run; next: /);
    expect(text).toMatch(/\| tiny-cnn \| MNIST \| FCN \| 0.05 \| .* not run \| 2.1% \|  \|$/m);
    expect(text).toContain('npm run table -- run --only tiny-cnn  # not run');
    expect(text).not.toContain('[1]');
    // A row from another machine: the header names both, and each row its own.
    const other = path.join(runs, 'tiny-cnn');
    fs.cpSync(path.join(runs, 'tiny'), other, {recursive: true});
    const result = JSON.parse(fs.readFileSync(path.join(other, 'result.json'), 'utf8'));
    fs.writeFileSync(path.join(other, 'result.json'), JSON.stringify({...result, cpu: 'Other CPU', isa: 'avx2'}));
    const mixed = runner.table(runs, [tiny, {...tiny, id: 'tiny-cnn', target: undefined, baseline: undefined}]);
    expect(mixed).toContain(`Machines (the row's [n]): [1] ${result.cpu}, ${result.cores} cores, our kernels' ISA ${result.isa} ` +
        `(${result.nativeThreads} threads); [2] Other CPU, ${result.cores} cores, our kernels' ISA avx2`);
    expect(mixed).toMatch(/^\| tiny \[1\] \| MNIST \|/m);
    expect(mixed).toMatch(/^\| tiny-cnn \[2\] \| MNIST \|/m);
    fs.rmSync(runs, {recursive: true, force: true});
  }, 120_000);
});
