// PyTorch's CPU grid_sample as a contender: one python subprocess
// (bench/torch_server.py) that times its own calls, asked for one repetition
// per round so that it is interleaved with the other contenders.
import {ChildProcessWithoutNullStreams, execFileSync, spawn} from 'child_process';
import * as path from 'path';
import * as readline from 'readline';

import {Contender} from './contender';
import {BACKWARD, FORWARD, Pass, Shape} from './workload';

export class Torch {
  private lines: AsyncIterableIterator<string>;
  version = '';
  /** Buffer sets the subprocess holds for the current shape. */
  private sets = 0;
  private constructor(private child: ChildProcessWithoutNullStreams) {
    this.lines = readline.createInterface({input: child.stdout})[Symbol.asyncIterator]();
  }

  static candidates(): string[] {
    const list = [process.env.STN_BENCH_PYTHON, 'python3', 'python'].filter((p): p is string => !!p);
    return [...new Set(list)];
  }

  /** A python with torch (STN_BENCH_PYTHON, else python3, else python), or null. */
  static async start(): Promise<Torch|null> {
    for (const python of Torch.candidates()) {
      try {
        execFileSync(python, ['-c', 'import torch'], {stdio: 'ignore', timeout: 60_000});
      } catch {
        continue;
      }
      const child = spawn(python, [path.join(__dirname, 'torch_server.py')], {stdio: 'pipe'});
      const torch = new Torch(child);
      const hello = JSON.parse(await torch.readLine());
      torch.version = `torch ${hello.torch} (${hello.capability}) via ${python}`;
      return torch;
    }
    return null;
  }

  private async readLine(): Promise<string> {
    const next = await this.lines.next();
    if (next.done) throw new Error('bench: the PyTorch subprocess exited');
    return next.value;
  }

  private async request(req: object): Promise<any> {
    this.child.stdin.write(JSON.stringify(req) + '\n');
    const reply = JSON.parse(await this.readLine());
    if (reply.error) throw new Error(`bench: PyTorch: ${reply.error}`);
    return reply;
  }

  /** Switches the subprocess to shape `s` (its tensors NCHW, its own layout; made by `contender`s' setup). */
  async setup(s: Shape): Promise<void> {
    await this.request({cmd: 'setup', n: s.n, h: s.h, w: s.w, c: s.c, seed: 1});
    this.sets = 0;
  }

  /** PyTorch at `threads` on `sets` buffer sets, or null for a pass it has no counterpart of (the fused step). */
  contender(pass: Pass, threads: number, sets: number): Contender|null {
    if (pass === 'step-fused') return null;
    return {name: `torch ${threads}t`, threads, maxRounds: Infinity,
      setup: async () => {
        if (this.sets >= sets) return;
        await this.request({cmd: 'prepare', sets});
        this.sets = sets;
      },
      run: async (set) => (await this.request({cmd: 'run', pass, forward: FORWARD[pass] ?? null,
        backward: BACKWARD[pass] ?? null, threads,
        set, reps: 1})).ms[0]};
  }

  /** CPU ms the subprocess has used (all its threads), for the competition monitor. */
  async cpuMs(): Promise<number> {
    return (await this.request({cmd: 'cpu'})).cpuMs;
  }

  close(): void {
    this.child.stdin.end();
  }
}
