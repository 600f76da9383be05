// `npm run bench -- --quick` as a child process: every contender produces rows.
import {execFileSync} from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {expect, test} from 'vitest';

test('the bench runs (--quick) and writes a row per shape, pass and contender', () => {
  const json = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'stn-bench-')), 'rows.json');
  const root = path.join(__dirname, '..');
  const out = execFileSync(process.execPath,
      [path.join(root, 'bench', 'run.js'), '--quick', '--no-torch', '--json', json],
      {cwd: root, encoding: 'utf8', env: {...process.env, TF_CPP_MIN_LOG_LEVEL: '2'},
        stdio: ['ignore', 'pipe', 'pipe']});
  expect(out).toContain('memory bandwidth (triad)');
  const rows = JSON.parse(fs.readFileSync(json, 'utf8')) as Record<string, unknown>[];
  const passes = ['fwd', 'bwd', 'bwd-grid', 'step', 'step-fused', 'fwd-nearest', 'bwd-nearest', 'fwd-bicubic',
    'bwd-bicubic'];
  for (const shape of ['Q1', 'Q2']) {
    for (const pass of passes) {
      const contenders = rows.filter((r) => r.shape === shape && r.pass === pass).map((r) => r.contender);
      expect(contenders, `${shape} ${pass}`).toEqual(expect.arrayContaining(
          ['native 1t', `native ${os.cpus().length}t`, 'tfjs tensorflow', 'tfjs cpu']));
      if (['fwd', 'bwd', 'bwd-grid', 'step'].includes(pass)) {
        expect(contenders, `${shape} ${pass}`).toEqual(expect.arrayContaining(
            ['composite tensorflow', 'composite cpu']));
      }
    }
  }
  for (const r of rows) {
    expect(Object.keys(r).sort()).toEqual(
        ['contender', 'maxMs', 'medianMs', 'minMs', 'pass', 'shape', 'threads']);
    expect(r.minMs as number).toBeLessThanOrEqual(r.medianMs as number);
    expect(r.medianMs as number).toBeLessThanOrEqual(r.maxMs as number);
    expect(r.minMs as number).toBeGreaterThanOrEqual(0);
  }
}, 180_000);
