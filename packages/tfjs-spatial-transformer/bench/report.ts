// What the bench prints and writes: the table, its legend, the JSON rows.
import * as fs from 'fs';

import {median} from './measure';
import {outputElements, Pass, PASS_TEXT, passBytes, Shape} from './workload';

/** One contender's timed calls in one shape and pass (none: skipped, with `note`). */
export interface Entry {contender: string; threads: number; times: number[]; note?: string}
export interface Measured {shape: Shape; pass: Pass; entries: Entry[]}

/** A row of the JSON output. */
export interface Row {
  shape: string; pass: Pass; contender: string; threads: number;
  medianMs: number; minMs: number; maxMs: number;
}

export function rowsOf(results: Measured[]): Row[] {
  return results.flatMap(({shape, pass, entries}) => entries.filter((e) => e.times.length > 0).map((e) => ({
    shape: shape.name, pass, contender: e.contender, threads: e.threads,
    medianMs: median(e.times), minMs: Math.min(...e.times), maxMs: Math.max(...e.times)})));
}

/** The table: one line per contender, groups per shape and pass. */
export function formatTable(results: Measured[], bandwidth: Map<number, number>, rounds: number): string[] {
  const allThreads = Math.max(...bandwidth.keys());
  const table: string[][] = [];
  for (const {shape: s, pass, entries} of results) {
    const med = new Map(entries.map((e) => [e, e.times.length ? median(e.times) : NaN]));
    const composite = Math.min(...entries.filter((e) => e.contender.startsWith('composite'))
        .map((e) => med.get(e)!).filter((x) => !Number.isNaN(x)));
    const torchAt = (threads: number) => {
      const e = entries.find((x) => x.contender === `torch ${threads}t`);
      return e ? med.get(e)! : NaN;
    };
    for (const e of entries) {
      if (e.times.length === 0) {
        table.push([s.name, pass, e.contender, '', 'skipped', '', '', '', '', '']);
        continue;
      }
      const m = med.get(e)!;
      const bw = bandwidth.get(e.threads) ?? bandwidth.get(allThreads)!;
      const boundMs = passBytes(s, pass) / bw * 1e3;
      table.push([s.name, pass, e.contender, String(e.threads), m.toFixed(3),
        `${Math.min(...e.times).toFixed(2)}–${Math.max(...e.times).toFixed(2)}` +
            (e.times.length < rounds ? ` (${e.times.length})` : ''),
        (outputElements(s) / m / 1e3).toFixed(0), `${(100 * boundMs / m).toFixed(0)}%`,
        Number.isFinite(composite) && !e.contender.startsWith('composite') ? `${(composite / m).toFixed(1)}×` : '',
        e.contender.startsWith('torch') || Number.isNaN(torchAt(e.threads)) ? '' :
            `${(torchAt(e.threads) / m).toFixed(2)}×`]);
    }
  }
  const head = ['shape', 'pass', 'contender', 'thr', 'median ms', 'min–max', 'Melem/s', '% of bw bound',
    '× composite', '× torch'];
  const widths = head.map((h, i) => Math.max(h.length, ...table.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((x, i) => (i < 3 ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join('  ');
  const out = [line(head)];
  let last = '';
  for (const r of table) {
    const key = r[0] + r[1];
    if (last && key !== last) out.push('');
    last = key;
    out.push(line(r));
  }
  return out;
}

/** What the table's shapes, passes, columns and contenders are. */
export function legend(shapes: Shape[], passes: Pass[]): string[] {
  return [
    'shapes: ' + shapes.map((s) => `${s.name} N=${s.n} C=${s.c} ${s.h}×${s.w}`).join(' · ') +
        ' (output size = input size; random affine grids: rotation <= 30°, scale 0.8–1.2, shift <= 0.2)',
    ...passes.map((p) => `${p}: ${PASS_TEXT[p]}`),
    'Melem/s: million output elements (N·Ho·Wo·C) per second. % of bw bound: the time the pass\'s ' +
        'minimum traffic (inputs read once, outputs written once) takes at the triad bandwidth of the same ' +
        'thread count, over the median.',
    'native: the addon on plain Float32Arrays; tfjs: our ops through tfjs (backward passes through ' +
        'the GridSampleGrad kernel, steps through tf.grad); composite: stock tfjs ops (gather, indices off the ' +
        'tape; its bwd/bwd-grid include its forward, as autodiff needs it); torch: F.grid_sample (backward: ' +
        'aten.grid_sampler_2d_backward alone, step: a whole autograd step; torch has no fused op, so ' +
        'step-fused rows compare with torch\'s step).',
  ];
}

/** The notes of skipped contenders. */
export function notes(results: Measured[]): string[] {
  return [...new Set(results.flatMap(({shape, pass, entries}) => entries.filter((e) => e.note)
      .map((e) => `note: ${shape.name} ${pass} ${e.contender}: ${e.note}`)))];
}

/** True when native at all threads was slower than at 1 thread somewhere (a busy machine). */
export function looksBusy(results: Measured[], cores: number): boolean {
  return cores > 1 && results.some(({entries}) => {
    const at = (t: number) => entries.find((e) => e.contender === `native ${t}t`);
    const one = at(1), all = at(cores);
    if (!one?.times.length || !all?.times.length) return false;
    const m1 = median(one.times), mAll = median(all.times);
    return mAll > m1 && m1 > 0.5;
  });
}

export function writeJson(file: string, rows: Row[]): void {
  fs.writeFileSync(file, JSON.stringify(rows, null, 1));
}
