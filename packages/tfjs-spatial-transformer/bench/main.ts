// `npm run bench`: the sampler's contenders side by side in one process.
//
// For every shape and pass, each contender is warmed up, then the contenders
// take turns for several rounds, one warm call (same buffers) and one cold
// call (buffers rotated beyond the last-level cache) each (measure.ts). The
// table gives the median, the spread (min–max), the rate, the fraction of the
// memory-bandwidth bound, and the speed-ups over the stock-tfjs composite and
// over PyTorch and onnxruntime at equal threads (report.ts); flags: cli.ts.
// Each window (the triad, each shape and pass) is watched for other processes
// competing for the CPU (competition.ts); a run where one was ends with a
// warning not to quote its figures.
import * as os from 'os';

import * as tf from '@tensorflow/tfjs-node';

import {getBestIsa, getIsa, tensorflowOps} from '../lib/index';
import {useTensorflowOps} from '../lib/tensorflow_ops';
import {parseArgs, usage} from './cli';
import {BUSY_CORES, CompetitionMonitor} from './competition';
import {Contender} from './contender';
import {DataPool} from './data';
import {cpuModel, lastLevelCache} from './machine';
import {CACHE_STATES, coldSets, measure} from './measure';
import {baseline, rawContender} from './native_contender';
import {OnnxRuntime} from './onnx_contender';
import {competitionLines, formatTable, legend, Measured, notes, Report, rowsOf, writeJson} from './report';
import {compositeCall, oursCall, tfContender, TfPool} from './tfjs_contenders';
import {Torch} from './torch';
import {measureBandwidth} from './triad';
import {benchVolumes, QUICK_VOLUME_SHAPES, VOLUME_SHAPES, VolumeRow, volumeTable} from './volumes';
import {passTraffic} from './workload';

function progress(text: string): void {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${text}`);
  else process.stderr.write(`${text}\n`);
}

export async function main(argv: string[]): Promise<void> {
  const o = parseArgs(argv);
  if (o === null) {
    console.log(usage());
    return;
  }
  const cores = os.cpus().length;
  const allThreads = Math.max(...o.threads);
  const cpu = cpuModel(), cache = lastLevelCache();
  const torch = o.torch ? await Torch.start() : null;
  const onnx = o.onnx ? OnnxRuntime.load() : 'off';
  const ort = typeof onnx === 'string' ? null : onnx;
  const monitor = new CompetitionMonitor(async () => (torch ? await torch.cpuMs() : 0));
  const loadAtStart = os.loadavg()[0];
  const triad = await monitor.watch(() => measureBandwidth(o.threads, cache.bytes));
  const bandwidth = triad.result;
  const windows = [{name: 'triad', load: triad.load}];

  const isa = getIsa(), bestIsa = getBestIsa();
  const header = [
    `machine: ${cpu}, ${cores} cores; last-level cache ${cache.text}`,
    `native ISA: ${isa}` + (isa === bestIsa ? ' (the best this CPU has)' : ` (forced; the best this CPU has: ${bestIsa})`),
    `software: node ${process.version}, tfjs-node ${tf.version_core}; PyTorch: ${torch ? torch.version : o.torch ?
        'not found (set STN_BENCH_PYTHON to a python with torch; tried ' + Torch.candidates().join(', ') + ')' : 'off'}`,
    `onnxruntime: ${ort ? ort.version : onnx}`,
    `threads: native, torch and onnxruntime at ${o.threads.join(', ')}; tfjs (our kernels) at ${allThreads}; ` +
        `composite cpu at 1, composite tensorflow at TF's own pools (${cores})`,
    `memory bandwidth (triad): ${o.threads.map((t) => `${t}t ${(bandwidth.get(t)! / 1e9).toFixed(1)} GB/s`).join(', ')}`,
    `rounds: ${o.rounds} (interleaved, after warm-up); times are per call, ms; ` +
        `load average at start ${loadAtStart.toFixed(2)}`,
    `tfjs tensorflow: ${(({active, reason}) => `${active ? 'TF ops' : 'copying JS path'} (${reason})`)(tensorflowOps())}`,
  ];
  for (const line of header) console.log(line);

  const results: Measured[] = [];
  const total = o.shapes.length * o.passes.length;
  let done = 0;
  for (const s of o.shapes) {
    const data = new DataPool(s), tfData = new TfPool(data);
    if (torch) await torch.setup(s);
    for (const pass of o.passes) {
      progress(`bench [${++done}/${total}] ${s.name} ${pass}`);
      const cold = coldSets(passTraffic(s, pass).read, cache.bytes), sets = 1 + cold;
      const contenders: Contender[] = [];
      for (const t of o.threads) {
        const raw = [rawContender(data, pass, t, sets),
          rawContender(data, pass, t, sets, {label: 'native fresh', outputs: 'fresh'}),
          baseline && rawContender(data, pass, t, sets, {addon: baseline, label: 'baseline'})];
        for (const c of raw) if (c) contenders.push(c);
      }
      // 'tfjs tensorflow' takes the TF-op path (when active); 'tfjs tensorflow copying'
      // is the JS path on the same backend: readSync in, JS-held outputs.
      for (const [name, backend, ops] of [['tfjs tensorflow', 'tensorflow', true],
        ['tfjs tensorflow copying', 'tensorflow', false], ['tfjs cpu', 'cpu', true]] as const) {
        if (!ops && !tensorflowOps().active) continue;
        const c = tfContender(name, backend, tfData, sets, (t) => {
          const call = oursCall(t, pass);
          return call && (() => {
            useTensorflowOps(ops);
            try {
              call();
            } finally {
              useTensorflowOps(true);
            }
          });
        }, Infinity, allThreads);
        if (c) contenders.push(c);
      }
      if (o.composite) {
        for (const backend of ['tensorflow', 'cpu']) {
          const c = tfContender(`composite ${backend}`, backend, tfData, sets,
              (t) => compositeCall(t, pass), o.quick ? 1 : 3, backend === 'cpu' ? 1 : cores);
          if (!c) continue;
          // tfjs-cpu's gather gradient (UnsortedSegmentSum) loops over every segment:
          // quadratic in the image size.
          const segments = s.n * s.h * s.w, elements = s.n * s.h * s.w * s.c;
          if (backend === 'cpu' && pass === 'bwd' && segments * elements > 5e8) {
            c.maxRounds = 0;
            c.note = 'skipped: tfjs-cpu\'s gather gradient is quadratic in the image size (minutes)';
          }
          contenders.push(c);
        }
      }
      for (const t of o.threads) {
        const c = torch?.contender(pass, t, sets);
        if (c) contenders.push(c);
      }
      for (const t of o.threads) {
        const c = await ort?.contender(data, pass, t, sets);
        if (c) contenders.push(c);
      }
      const {result: times, load} = await monitor.watch(() => measure(contenders, o.rounds, cold));
      windows.push({name: `${s.name} ${pass}`, load});
      results.push({shape: s, pass, load, entries: contenders.flatMap((c) => CACHE_STATES.map((state) => ({
        contender: c.name, threads: c.threads, cache: state, sets: state === 'warm' ? 1 : cold,
        times: times.get(c)![state], note: c.note})))});
    }
    tfData.dispose();
  }
  let volumeRows: VolumeRow[] = [];
  if (o.volumes) {
    const v = await benchVolumes(o.quick ? QUICK_VOLUME_SHAPES : VOLUME_SHAPES, o.threads, o.rounds, cache.bytes,
        torch, monitor, progress);
    volumeRows = v.rows;
    windows.push(...v.windows);
  }
  progress('');
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  torch?.close();

  console.log('');
  for (const line of formatTable(results, bandwidth, o.rounds, cache.bytes)) console.log(line);
  if (volumeRows.length > 0) {
    console.log('');
    for (const line of volumeTable(volumeRows)) console.log(line);
  }
  console.log('');
  for (const line of [...legend(o.shapes, o.passes, results, cache.bytes), ...notes(results),
    ...competitionLines(windows)]) {
    console.log(line);
  }
  if (o.json) {
    const report: Report = {
      machine: {cpu, cores, isa, bestIsa, lastLevelCacheBytes: cache.bytes, node: process.version,
        tfjs: tf.version_core, torch: torch ? torch.version : null, onnxruntime: ort ? ort.version : null},
      threads: o.threads, bandwidth: Object.fromEntries(bandwidth), rounds: o.rounds,
      busy: windows.some((w) => w.load.busy), busyCores: BUSY_CORES, rows: rowsOf(results), volumeRows};
    writeJson(o.json, report);
    console.log(`wrote ${report.rows.length} rows to ${o.json}`);
  }
}
