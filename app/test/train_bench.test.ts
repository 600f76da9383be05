// npm run bench:step, smallest: one round of two tfjs contenders, PyTorch
// skipped with a note when the python named has no torch.
import {spawnSync} from 'child_process';
import * as path from 'path';
import {expect, test} from 'vitest';

test('bench:step prints the per-phase table, the profile and the numerics', () => {
  const script = path.join(__dirname, '..', 'dist-tools', 'bench', 'train_step.js');
  const run = spawnSync(process.execPath, [script, '--rounds', '2', '--warmup', '1', '--batch', '32', '--contenders',
    'tfjs stock,tfjs all (stn train),pytorch'], {encoding: 'utf8', timeout: 120_000,
    env: {...process.env, STN_BENCH_PYTHON: '/nonexistent/python3', PATH: '/nonexistent'}});
  expect(run.status, run.stderr).toBe(0);
  const out = run.stdout;
  expect(out).toMatch(/batch 32, Adam; 2 threads; 2 interleaved rounds after 1 warm-up steps/);
  expect(out).toMatch(/PyTorch skipped: no python with torch found \(tried \/nonexistent\/python3, python3, python/);
  for (const name of ['tfjs stock', 'tfjs all \\(stn train\\)']) {
    expect(out).toMatch(new RegExp(`\\| ${name} \\| [\\d.]+ \\| [\\d.]+ \\| [\\d.]+ \\| [\\d.]+ \\| [\\d.]+ \\(\\d+–\\d+\\) \\| \\d+ \\| – \\|`));
    expect(out).toMatch(new RegExp(`- ${name}: [\\d.]+ ms in kernels, the sampler \\(forward \\+ backward\\) [\\d.]+ ms`));
  }
  const drift = /- tfjs all \(stn train\): ([\d.e+-]+) over 2 steps/.exec(out);
  expect(drift, out).not.toBeNull();
  expect(Number(drift![1])).toBeLessThan(1e-2);
}, 180_000);
