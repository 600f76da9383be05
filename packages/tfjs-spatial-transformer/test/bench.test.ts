// `npm run bench -- --quick` as a child process: every contender produces rows,
// the report says what it ran on, and competition for the CPU is detected.
import {ChildProcess, execFileSync, spawn} from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {afterEach, describe, expect, test} from 'vitest';

import {loadBetween} from '../bench/competition';
import {DataPool} from '../bench/data';
import {coldSets, MAX_COLD_SETS} from '../bench/measure';
import type {Report} from '../bench/report';
import {passBytes, passTraffic, QUICK_SHAPES} from '../bench/workload';
import {rawContender} from '../bench/native_contender';
import {native} from '../lib/native';

const root = path.join(__dirname, '..');
/** onnxruntime-node's platforms: there the repository root installs it (an optional dependency). */
const ONNX_PLATFORMS = ['linux', 'darwin', 'win32'];
const FORWARD_PASSES = ['fwd', 'fwd-nearest', 'fwd-border', 'fwd-reflection', 'fwd-bicubic'];

/** Runs the bench with `args` and `--json`; returns what it printed and wrote. */
function bench(args: string[]): {out: string, report: Report} {
  const json = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'stn-bench-')), 'report.json');
  const out = execFileSync(process.execPath, [path.join(root, 'bench', 'run.js'), ...args, '--json', json],
      {cwd: root, encoding: 'utf8', env: {...process.env, TF_CPP_MIN_LOG_LEVEL: '2'},
        stdio: ['ignore', 'pipe', 'pipe']});
  return {out, report: JSON.parse(fs.readFileSync(json, 'utf8')) as Report};
}

function expectWarningIffBusy({out, report}: {out: string, report: Report}): void {
  expect(typeof report.busy).toBe('boolean');
  expect(report.busy).toBe(report.rows.some((r) => r.busy));
  expect(out.includes('WARNING: the figures of this run must not be quoted')).toBe(report.busy);
  expect(out.includes('competition: none')).toBe(!report.busy);
}

test('the bench runs (--quick) and writes a row per shape, pass and contender', () => {
  const run = bench(['--quick', '--no-torch']);
  const {out, report} = run;
  expect(out).toContain('memory bandwidth (triad)');
  expect(report.machine.cpu.length).toBeGreaterThan(0);
  expect(out).toContain(`machine: ${report.machine.cpu}, ${os.cpus().length} cores`);
  expect(report.machine.isa).toBe(native.getIsa());
  expect(report.machine.bestIsa).toBe(native.getBestIsa());
  expect(out).toContain(`native ISA: ${native.getIsa()}`);
  expect(report.machine.lastLevelCacheBytes).toBeGreaterThan(0);
  expect(report.threads).toEqual([...new Set([1, os.cpus().length])]);
  if (ONNX_PLATFORMS.includes(process.platform)) {
    expect(report.machine.onnxruntime).toMatch(/^onnxruntime-node \d+\.\d+\.\d+ \(GridSample, opset 16, CPU\)$/);
  } else {
    expect(report.machine.onnxruntime).toBe(null);
    expect(out).toContain('onnxruntime: not installed');
  }
  for (const t of report.threads) expect(report.bandwidth[String(t)]).toBeGreaterThan(0);
  const rows = report.rows;
  const passes = ['fwd', 'bwd', 'bwd-grid', 'step', 'step-fused', 'fwd-nearest', 'bwd-nearest',
    'fwd-border', 'fwd-reflection', 'fwd-bicubic', 'bwd-bicubic'];
  for (const shape of ['Q1', 'Q2']) {
    for (const pass of passes) {
      for (const cache of ['warm', 'cold']) {
        const contenders = rows.filter((r) => r.shape === shape && r.pass === pass && r.cache === cache)
            .map((r) => r.contender);
        expect(contenders, `${shape} ${pass} ${cache}`).toEqual(expect.arrayContaining(
            ['native 1t', `native ${os.cpus().length}t`, 'tfjs tensorflow', 'tfjs cpu']));
        const fresh = report.threads.map((t) => `native fresh ${t}t`);
        if (pass.startsWith('step')) {
          for (const name of fresh) expect(contenders, `${shape} ${pass} ${cache}`).not.toContain(name);
        } else {
          expect(contenders, `${shape} ${pass} ${cache}`).toEqual(expect.arrayContaining(fresh));
        }
        if (['fwd', 'bwd', 'bwd-grid', 'step', 'fwd-border'].includes(pass)) {
          expect(contenders, `${shape} ${pass} ${cache}`).toEqual(expect.arrayContaining(
              ['composite tensorflow', 'composite cpu']));
        }
        const onnx = report.threads.map((t) => `onnxruntime ${t}t`);
        if (FORWARD_PASSES.includes(pass) && ONNX_PLATFORMS.includes(process.platform)) {
          expect(contenders, `${shape} ${pass} ${cache}`).toEqual(expect.arrayContaining(onnx));
        } else {
          for (const name of onnx) expect(contenders, `${shape} ${pass} ${cache}`).not.toContain(name);
        }
      }
    }
  }
  // The quick shapes are far smaller than any cache: their cold rotation is capped, and marked.
  for (const r of rows.filter((x) => x.cache === 'cold')) expect(r.sets).toBe(MAX_COLD_SETS);
  expect(out).toMatch(/ cold\* /);
  expect(out).toContain(`cold*: the rotation stopped at ${MAX_COLD_SETS} sets`);
  for (const r of rows) {
    expect(Object.keys(r).sort()).toEqual(['busy', 'cache', 'contender', 'maxMs', 'medianMs', 'minMs',
      'otherCores', 'pass', 'sets', 'shape', 'threads']);
    if (r.cache === 'warm') expect(r.sets).toBe(1);
    expect(r.minMs).toBeLessThanOrEqual(r.medianMs);
    expect(r.medianMs).toBeLessThanOrEqual(r.maxMs);
    expect(r.minMs).toBeGreaterThanOrEqual(0);
    expect(r.otherCores).toBeGreaterThanOrEqual(0);
    expect(r.busy).toBe(r.otherCores > report.busyCores);
  }
  // The volume rows (bench/volumes.ts): every pass, ours at each thread count, warm and cold.
  const volumeRows = report.volumeRows ?? [];
  for (const pass of ['fwd3d', 'bwd3d', 'bwd3d-grid', 'flow-fwd', 'flow-bwd']) {
    for (const t of report.threads) {
      const ours = pass.startsWith('flow') ? `flowWarp ${t}t` : `gridSample3d ${t}t`;
      const found = volumeRows.filter((r) => r.shape === 'QV' && r.pass === pass && r.contender === ours);
      expect(found.map((r) => r.cache).sort(), `${pass} ${ours}`).toEqual(['cold', 'warm']);
      for (const r of found) expect(r.minMs).toBeLessThanOrEqual(r.medianMs);
    }
  }
  expect(out).toContain('volumes and displacement fields');
  expectWarningIffBusy(run);
}, 180_000);

test('cold calls rotate through enough sets to read twice the last-level cache between two uses', () => {
  expect(coldSets(1 << 20, 8 << 20)).toBe(17);  // 16 other calls of 1 MiB between two on one set
  expect(coldSets(3 << 20, 8 << 20)).toBe(7);   // 6 × 3 MiB >= 16 MiB
  expect(coldSets(64 << 20, 8 << 20)).toBe(2);  // a call larger than the cache: alternate two sets
  const tiny = passTraffic(QUICK_SHAPES[0], 'fwd').read;
  expect(coldSets(tiny, 32 << 20)).toBe(MAX_COLD_SETS);
});

test("the raw calls' sets rotate the inputs and share one set of outputs; the bound counts both", () => {
  const s = QUICK_SHAPES[0], pool = new DataPool(s);
  const [a, b] = [pool.get(0), pool.get(3)];
  for (const input of ['input', 'grid', 'gout', 'theta'] as const) expect(b[input]).not.toBe(a[input]);
  expect(b.input).not.toEqual(a.input);
  for (const output of ['out', 'gin', 'ggrid', 'gtheta', 'grid2'] as const) expect(b[output]).toBe(a[output]);
  // fwd reads the input and the grid and writes the output, 4 bytes a float, the grid's two per pixel
  const pixels = s.n * s.h * s.w;
  expect(passTraffic(s, 'fwd')).toEqual({read: 4 * pixels * (s.c + 2), written: 4 * pixels * s.c});
  expect(passBytes(s, 'bwd')).toBe(4 * pixels * (3 * s.c + 4));
});

describe('competition for the CPU', () => {
  let spinners: ChildProcess[] = [];
  afterEach(() => {
    for (const s of spinners) s.kill();
    spinners = [];
  });

  test('a process spinning on one core makes the run warn', () => {
    spinners = [spawn(process.execPath, ['-e', 'for (;;) {}'], {stdio: 'ignore'})];
    const run = bench(['--quick', '--no-torch', '--no-composite', '--shapes', 'Q1', '--passes', 'fwd']);
    expect(run.report.busy).toBe(true);
    expect(run.report.rows.every((r) => r.busy)).toBe(true);
    expectWarningIffBusy(run);
  }, 120_000);

  test('what other processes used: machine time minus ours, less two ticks per CPU', () => {
    const at = (wallMs: number, busyMs: number, stealMs: number, ownMs: number) =>
      ({wallMs, machine: {busyMs, stealMs}, ownMs});
    // 1 s; the machine busy 1500 ms of which 900 ours, 100 stolen: 700 ms others, 40 forgiven (2 CPUs).
    const load = loadBetween(at(0, 10_000, 50, 300), at(1000, 11_500, 150, 1200), 2);
    expect(load.otherCores).toBeCloseTo(0.66, 10);
    expect(load.busy).toBe(true);
    // Within the counters' resolution: nothing.
    expect(loadBetween(at(0, 0, 0, 0), at(200, 540, 0, 500), 2)).toEqual({wallMs: 200, otherCores: 0, busy: false});
  });
});

test("'native fresh' writes new arrays each call; 'native' writes the shared outputs", () => {
  const s = QUICK_SHAPES[0], pool = new DataPool(s);
  const shared = pool.get(0);
  for (const pass of ['fwd', 'bwd'] as const) {
    const fresh = rawContender(pool, pass, 1, 1, {label: 'native fresh', outputs: 'fresh'})!;
    expect(fresh.name).toBe('native fresh 1t');
    fresh.setup!();
    fresh.run(0);
    for (const out of [shared.out, shared.gin, shared.ggrid]) expect(out.every((x) => x === 0), pass).toBe(true);
  }
  const raw = rawContender(pool, 'fwd', 1, 1)!;
  raw.setup!();
  raw.run(0);
  expect(shared.out.some((x) => x !== 0)).toBe(true);
  // a step's tfjs counterpart allocates every intermediate: no fresh-output step
  expect(rawContender(pool, 'step', 1, 1, {outputs: 'fresh'})).toBe(null);
});
