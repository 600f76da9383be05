// `npm run bench:warps`: tf.image.transform and tf.image.rotateWithOffset,
// side by side in one process, with the issue's workload: a bilinear
// transform of [8,224,224,3] (one transform per image, a mild rotation +
// scale + shift), output 224×224; a rotation of the same batch.
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

type Op = 'transform'|'rotateWithOffset';
interface Row {op: Op, name: string, threads: string, perCallImages: number, run: () => void, times: number[]}

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
      rows.push({op: 'transform', name: 'stock tfjs-backend-cpu, 1 image', threads: '1 (JS)', perCallImages: 1,
        times: [], run: () => {
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
      rows.push({op: 'transform', name: 'TF ImageProjectiveTransformV3, batch', threads: `TF's (${cores})`, perCallImages: n,
        times: [], run: () => {
          const out = b.executeSingleOutput('ImageProjectiveTransformV3', opAttrs, [batch, transforms, size, fill]);
          keep(out);
          out.dispose();
        }});
    }
    for (const t of threads) {
      rows.push({op: 'transform', name: `ours ${backend}, batch`, threads: String(t), perCallImages: n, times: [],
        run: () => {
          stn.setNumThreads(t);
          const out = tf.image.transform(batch, transforms, 'bilinear', 'constant', 0, [h, w]);
          keep(out);
          out.dispose();
        }});
    }
    if (backend === 'cpu') {
      rows.push({op: 'rotateWithOffset', name: 'stock tfjs-backend-cpu, batch', threads: '1 (JS)', perCallImages: n,
        times: [], run: () => {
          const info = stockRotate({inputs: {image: batch}, backend: tf.backend(),
            attrs: {radians, fillValue: 0, center: 0.5}}) as tf.TensorInfo;
          tf.backend().disposeData(info.dataId);
        }});
      for (const t of threads) {
        rows.push({op: 'rotateWithOffset', name: 'ours cpu, batch', threads: String(t), perCallImages: n, times: [],
          run: () => {
            stn.setNumThreads(t);
            const out = tf.image.rotateWithOffset(batch, radians);
            keep(out);
            out.dispose();
          }});
      }
    }
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
  const titles: Record<Op, string> = {
    transform: `tf.image.transform, bilinear, constant fill, [${n},${h},${w},${c}] → ${h}×${w}`,
    rotateWithOffset: `tf.image.rotateWithOffset, ${radians} rad about the centre, fill 0, [${n},${h},${w},${c}]`,
  };
  for (const op of ['transform', 'rotateWithOffset'] as const) {
    const opRows = rows.filter((r) => r.op === op);
    console.log(`${titles[op]}; ${rounds} interleaved rounds after warm-up; ms per call (median, min–max) and per image`);
    console.log('contender                               threads      median     min–max        per image');
    for (const r of opRows) {
      const m = median(r.times);
      console.log(`${r.name.padEnd(39)} ${r.threads.padEnd(10)} ${m.toFixed(2).padStart(8)} ` +
          `${`${Math.min(...r.times).toFixed(1)}–${Math.max(...r.times).toFixed(1)}`.padStart(13)} ` +
          `${(m / r.perCallImages).toFixed(3).padStart(12)}`);
    }
    const stock = opRows.find((r) => r.name.startsWith('stock'))!, tfOp = opRows.find((r) => r.name.startsWith('TF'));
    for (const r of opRows.filter((x) => x.name.startsWith('ours'))) {
      const ref = r.name.includes('cpu') ? stock : tfOp!;
      const perImage = (x: Row) => median(x.times) / x.perCallImages;
      console.log(`${r.name} at ${r.threads} thread(s): ${(perImage(ref) / perImage(r)).toFixed(1)}× per image ` +
          `vs ${ref.name}` + (r.name.includes('cpu') && stock.perCallImages === 1 ? `; whole batch ${
            (median(stock.times) / median(r.times)).toFixed(2)}× the stock kernel's one image` : ''));
    }
  }
  for (const line of competitionLines([{name: 'warps', load}])) console.log(line);
}
