// `npm run bench:warps`: tf.image.transform, tf.image.rotateWithOffset and
// tf.image.cropAndResize, side by side in one process, with the issue's
// workloads: a bilinear transform of [8,224,224,3] (one transform per image, a
// mild rotation + scale + shift), output 224×224; a rotation of the same
// batch; a bilinear cropAndResize of 8 boxes (one per image) of the same
// batch to 224×224.
//
// Contenders, interleaved round by round after warm-up (medians, min–max):
// - 'stock cpu, 1 image': tfjs-backend-cpu's own Transform kernel (the one
//   the package replaces) on one image of the batch (it fills only the first
//   image of a batch anyway); single-threaded JS.
// - 'ours cpu, whole batch, T threads': our kernel on 'cpu', for each thread
//   count of --threads.
// - 'TF ImageProjectiveTransformV3, whole batch': TensorFlow's own op through
//   tfjs-node's backend, on TF's own thread pools (every core).
// - 'ours tensorflow, whole batch, T threads': our kernel on 'tensorflow'
//   (the TF-op path: TF-held tensors, no copies).
// RotateWithOffset: tfjs-backend-cpu's own kernel (JS, batched) against
// ours on 'cpu', whole batch; nothing on 'tensorflow', where tfjs has none.
// CropAndResize: tfjs-backend-cpu's own kernel (single-threaded JS) against
// ours on 'cpu' at each thread count, forward and backward (both gradients,
// our backward kernel alone); on 'tensorflow' TensorFlow's own forward
// (tfjs-node's kernel) and gradient ops (through our backward kernel), for
// reference.
// The window is watched for other processes (competition.ts): a busy run
// ends with a warning not to quote it.
//
// Flags: --rounds N (default 15), --threads 1,2 (default 1 and every core).
import * as os from 'os';

import * as tf from '@tensorflow/tfjs-node';

import type * as Stn from '../lib/index';
import {CompetitionMonitor} from './competition';
import {cpuModel} from './machine';
import {competitionLines} from './report';

interface NodeBackend {
  executeSingleOutput(name: string, attrs: unknown[], inputs: tf.Tensor[]): tf.Tensor;
  binding: {TF_ATTR_STRING: number, TF_ATTR_TYPE: number, TF_FLOAT: number};
}

interface Row {
  name: string;
  threads: string;
  perCallImages: number;
  run: () => void;
  times: number[];
  /** The workload's table (none: tf.image.transform's). */
  group?: 'rotateWithOffset'|'cropAndResize';
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

export async function main(argv: string[]): Promise<void> {
  const flag = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const rounds = Number(flag('rounds') ?? 15);
  const cores = os.cpus().length;
  const threads = (flag('threads') ?? [...new Set([1, cores])].join(',')).split(',').map(Number);
  const [n, h, w, c] = [8, 224, 224, 3];
  // tfjs-backend-cpu's kernel, captured before importing the package replaces it.
  const stockTransform = tf.getKernel('Transform', 'cpu')!.kernelFunc;
  const stockRotate = tf.getKernel('RotateWithOffset', 'cpu')!.kernelFunc;
  const stockCropAndResize = tf.getKernel('CropAndResize', 'cpu')!.kernelFunc;
  const radians = 0.3;
  const stn: typeof Stn = await import('../lib/index');
  const defaultThreads = stn.getNumThreads();
  const rows: Row[] = [];
  const rowTransforms = (count: number) => tf.tensor2d(Array.from({length: count}, (_, i) => {
    const a = 0.1 + 0.02 * i, s = 0.9, cx = w / 2, cy = h / 2;
    const [co, si] = [s * Math.cos(a), s * Math.sin(a)];
    return [co, -si, cx - co * cx + si * cy + 3, si, co, cy - si * cx - co * cy - 2, 0, 0];
  }).flat(), [count, 8]);

  for (const backend of ['cpu', 'tensorflow'] as const) {
    await tf.setBackend(backend);
    const batch = tf.randomUniform([n, h, w, c]) as tf.Tensor4D;
    const transforms = rowTransforms(n) as tf.Tensor2D;
    const attrs = {interpolation: 'bilinear', fillMode: 'constant', fillValue: 0, outputShape: [h, w]};
    const keep = (t: tf.Tensor) => t.dataSync();  // the call's end: the values exist
    if (backend === 'cpu') {
      const one = tf.slice(batch, [0, 0, 0, 0], [1, h, w, c]);
      const oneTransform = tf.slice(transforms, [0, 0], [1, 8]);
      rows.push({name: 'stock tfjs-backend-cpu, 1 image', threads: '1 (JS)', perCallImages: 1, times: [], run: () => {
        const info = stockTransform({inputs: {image: one, transforms: oneTransform},
          backend: tf.backend(), attrs}) as tf.TensorInfo;
        tf.backend().disposeData(info.dataId);
      }});
    } else {
      const b = tf.backend() as unknown as NodeBackend;
      const size = tf.tensor1d([h, w], 'int32'), fill = tf.scalar(0);
      const opAttrs = [{name: 'dtype', type: b.binding.TF_ATTR_TYPE, value: b.binding.TF_FLOAT},
        {name: 'interpolation', type: b.binding.TF_ATTR_STRING, value: 'BILINEAR'},
        {name: 'fill_mode', type: b.binding.TF_ATTR_STRING, value: 'CONSTANT'}];
      rows.push({name: 'TF ImageProjectiveTransformV3, batch', threads: `TF's (${cores})`, perCallImages: n,
        times: [], run: () => {
          const out = b.executeSingleOutput('ImageProjectiveTransformV3', opAttrs, [batch, transforms, size, fill]);
          keep(out);
          out.dispose();
        }});
    }
    for (const t of threads) {
      rows.push({name: `ours ${backend}, batch`, threads: String(t), perCallImages: n, times: [], run: () => {
        stn.setNumThreads(t);
        const out = tf.image.transform(batch, transforms, 'bilinear', 'constant', 0, [h, w]);
        keep(out);
        out.dispose();
      }});
    }
    if (backend === 'cpu') {
      const rotateRow = (name: string, t: string, run: () => void): Row =>
        ({name, threads: t, perCallImages: n, times: [], group: 'rotateWithOffset', run});
      rows.push(rotateRow('stock tfjs-backend-cpu, batch', '1 (JS)', () => {
        const info = stockRotate({inputs: {image: batch}, backend: tf.backend(),
          attrs: {radians, fillValue: 0, center: 0.5}}) as tf.TensorInfo;
        tf.backend().disposeData(info.dataId);
      }));
      for (const t of threads) {
        rows.push(rotateRow('ours cpu, batch', String(t), () => {
          stn.setNumThreads(t);
          const out = tf.image.rotateWithOffset(batch, radians);
          keep(out);
          out.dispose();
        }));
      }
    }
    rows.push(...cropAndResizeRows(backend, batch, threads, stn, backend === 'cpu' ? stockCropAndResize : null));
  }

  const backendOf = (r: Row) => r.name.includes('tensorflow') || r.name.startsWith('TF') ? 'tensorflow' : 'cpu';
  const runRow = async (r: Row) => {
    if (tf.getBackend() !== backendOf(r)) await tf.setBackend(backendOf(r));
    const t0 = performance.now();
    r.run();
    return performance.now() - t0;
  };
  const monitor = new CompetitionMonitor(async () => 0);
  const {load} = await monitor.watch(async () => {
    for (const r of rows) await runRow(r);  // warm-up
    for (let i = 0; i < rounds; i++) for (const r of rows) r.times.push(await runRow(r));
  });
  stn.setNumThreads(defaultThreads);

  console.log(`machine: ${cpuModel()}, ${cores} cores; native ISA ${stn.getIsa()}; tfjs-node ${tf.version_core}; ` +
      `tfjs tensorflow: ${stn.tensorflowOps().reason}`);
  console.log(`tf.image.transform, bilinear, constant fill, [${n},${h},${w},${c}] → ${h}×${w}; ` +
      `${rounds} interleaved rounds after warm-up; ms per call (median, min–max) and per image`);
  const transformRows = rows.filter((r) => r.group === undefined);
  printTable(transformRows);
  const stock = transformRows.find((r) => r.name.startsWith('stock'))!;
  const tfOp = transformRows.find((r) => r.name.startsWith('TF'))!;
  for (const r of transformRows.filter((x) => x.name.startsWith('ours'))) {
    const ref = r.name.includes('cpu') ? stock : tfOp;
    const perImage = (x: Row) => median(x.times) / x.perCallImages;
    console.log(`${r.name} at ${r.threads} thread(s): ${(perImage(ref) / perImage(r)).toFixed(1)}× per image ` +
        `vs ${ref.name}` + (r.name.includes('cpu') ? `; whole batch ${(median(stock.times) / median(r.times))
            .toFixed(2)}× the stock kernel's one image` : ''));
  }
  console.log(`\ntf.image.rotateWithOffset, ${radians} rad about the centre, fill 0, [${n},${h},${w},${c}]`);
  const rotateRows = rows.filter((r) => r.group === 'rotateWithOffset');
  printTable(rotateRows);
  const stockRotateRow = rotateRows.find((r) => r.name.startsWith('stock'))!;
  for (const r of rotateRows.filter((x) => x.name.startsWith('ours'))) {
    console.log(`${r.name} at ${r.threads} thread(s): ${(median(stockRotateRow.times) / median(r.times)).toFixed(1)}× ` +
        'tfjs-backend-cpu\'s kernel');
  }
  console.log(`\ntf.image.cropAndResize, bilinear, ${n} boxes (one per image) of [${n},${h},${w},${c}] → ${h}×${w}; ` +
      'backward: both gradients, given dy');
  const cropRows = rows.filter((r) => r.group === 'cropAndResize');
  printTable(cropRows);
  for (const direction of ['forward', 'backward']) {
    const stockCrop = cropRows.find((r) => r.name.startsWith(`stock CropAndResize ${direction}`));
    for (const r of cropRows.filter((x) => x.name.startsWith(`ours cpu CropAndResize ${direction}`))) {
      console.log(`${r.name} at ${r.threads} thread(s): ` + (stockCrop === undefined ? `${median(r.times).toFixed(2)} ms` :
        `${(median(stockCrop.times) / median(r.times)).toFixed(1)}× tfjs-backend-cpu's kernel`));
    }
  }
  for (const line of competitionLines([{name: 'warps', load}])) console.log(line);
}

function printTable(rows: Row[]): void {
  console.log('contender                               threads      median     min–max        per image');
  for (const r of rows) {
    const m = median(r.times);
    console.log(`${r.name.padEnd(39)} ${r.threads.padEnd(10)} ${m.toFixed(2).padStart(8)} ` +
        `${`${Math.min(...r.times).toFixed(1)}–${Math.max(...r.times).toFixed(1)}`.padStart(13)} ` +
        `${(m / r.perCallImages).toFixed(3).padStart(12)}`);
  }
}

/**
 * The CropAndResize rows of one backend: one box per image, a mild shrink
 * and shift each (partly outside on one side), bilinear, to the image size.
 * `stock`: tfjs-backend-cpu's kernel ('cpu' only; tfjs has no backward).
 */
function cropAndResizeRows(backend: 'cpu'|'tensorflow', batch: tf.Tensor4D, threads: number[], stn: typeof Stn,
    stock: tf.KernelFunc|null): Row[] {
  const [n, h, w, c] = batch.shape;
  const boxes = tf.tensor2d(Array.from({length: n}, (_, i) =>
    [0.05 + 0.01 * i, 0.1 - 0.02 * i, 0.9 + 0.01 * i, 0.95 - 0.01 * i]).flat(), [n, 4]);
  const boxInd = tf.tensor1d(Array.from({length: n}, (_, i) => i), 'int32');
  const attrs = {method: 'bilinear', extrapolationValue: 0, cropSize: [h, w]};
  const dy = tf.randomUniform([n, h, w, c]);
  const gradAttrs = {...attrs, computeImageGrad: true, computeBoxesGrad: true};
  const run = (f: () => tf.Tensor[]) => () => {
    for (const t of f()) {
      t.dataSync();  // the call's end: the values exist
      t.dispose();
    }
  };
  const forward = run(() => [tf.image.cropAndResize(batch, boxes, boxInd, [h, w], 'bilinear', 0)]);
  const backward = run(() => tf.engine().runKernel('StnCropAndResizeGrad', {dy, image: batch, boxes, boxInd},
      gradAttrs) as tf.Tensor[]);
  const row = (name: string, t: string, body: () => void): Row =>
    ({name, threads: t, perCallImages: n, times: [], group: 'cropAndResize', run: body});
  const rows: Row[] = [];
  if (stock !== null) {
    rows.push(row('stock CropAndResize forward', '1 (JS)', () => {
      const info = stock({inputs: {image: batch, boxes, boxInd}, backend: tf.backend(), attrs}) as tf.TensorInfo;
      tf.backend().disposeData(info.dataId);
    }));
  }
  if (backend === 'tensorflow') {
    const cores = os.cpus().length;
    rows.push(row('TF CropAndResize forward', `TF's (${cores})`, forward));
    rows.push(row('TF CropAndResize backward (grad ops)', `TF's (${cores})`, backward));
    return rows;
  }
  for (const t of threads) {
    const withThreads = (body: () => void) => () => {
      stn.setNumThreads(t);
      body();
    };
    rows.push(row('ours cpu CropAndResize forward', String(t), withThreads(forward)));
    rows.push(row('ours cpu CropAndResize backward', String(t), withThreads(backward)));
  }
  return rows;
}
