// The command line of `npm run bench`.
import * as os from 'os';

import {Pass, PASSES, QUICK_SHAPES, Shape, SHAPES} from './workload';

export interface Options {
  quick: boolean; json: string|null; shapes: Shape[]; passes: Pass[]; threads: number[];
  rounds: number; torch: boolean; onnx: boolean; composite: boolean;
}

export function usage(): string {
  const cores = os.cpus().length;
  return 'usage: npm run bench -- [--quick] [--json FILE] [--shapes S1,S2,S3,S4] ' +
      `[--passes ${PASSES.join(',')}] [--threads 1,${cores}] [--rounds N] [--no-torch] [--no-composite]`;
}

/** The options, or null for --help. @throws Error naming the flag for a bad one. */
export function parseArgs(argv: string[]): Options|null {
  const cores = os.cpus().length;
  const o: Options = {quick: false, json: null, shapes: SHAPES, passes: [...PASSES],
    threads: [...new Set([1, cores])], rounds: 7, torch: true, onnx: true, composite: true};
  const list = (v: string|undefined, flag: string) => {
    if (v === undefined) throw new Error(`bench: ${flag} needs a value`);
    return v.split(',').filter((x) => x !== '');
  };
  let shapeNames: string[]|null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') o.quick = true;
    else if (a === '--json') o.json = list(argv[++i], a)[0];
    else if (a === '--shapes') shapeNames = list(argv[++i], a);
    else if (a === '--passes') {
      o.passes = list(argv[++i], a) as Pass[];
      for (const p of o.passes) {
        if (!PASSES.includes(p)) throw new Error(`bench: unknown pass '${p}' (known: ${PASSES.join(', ')})`);
      }
    } else if (a === '--threads') {
      o.threads = list(argv[++i], a).map(Number);
      if (!o.threads.every((t) => Number.isInteger(t) && t >= 1)) throw new Error('bench: --threads takes integers >= 1');
    } else if (a === '--rounds') o.rounds = Number(argv[++i]);
    else if (a === '--no-torch') o.torch = false;
    else if (a === '--no-onnx') o.onnx = false;
    else if (a === '--no-composite') o.composite = false;
    else if (a === '--help' || a === '-h') return null;
    else throw new Error(`bench: unknown flag '${a}' (try --help)`);
  }
  const pool = o.quick ? [...QUICK_SHAPES, ...SHAPES] : SHAPES;
  o.shapes = shapeNames === null ? (o.quick ? QUICK_SHAPES : SHAPES) : shapeNames.map((name) => {
    const s = pool.find((x) => x.name === name);
    if (s === undefined) throw new Error(`bench: unknown shape '${name}' (known: ${pool.map((x) => x.name).join(', ')})`);
    return s;
  });
  if (o.quick) o.rounds = 1;
  if (!(Number.isInteger(o.rounds) && o.rounds >= 1)) throw new Error('bench: --rounds takes an integer >= 1');
  return o;
}
