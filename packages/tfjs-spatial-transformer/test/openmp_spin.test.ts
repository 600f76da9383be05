// The addon's OpenMP threads spin briefly after a kernel (lib/native.ts's
// withShortOpenmpSpin), unless the environment chooses: measured as the CPU
// time a process burns while it sleeps right after a 2-thread kernel call,
// in child processes that load the library's native.ts afresh (libgomp reads
// its settings once per process). A long spin set by the environment is the
// control that shows the measurement sees spinning.
import {execFileSync} from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';

const PACKAGE = path.join(__dirname, '..');
const ADDON = ['Release', 'Debug'].map((dir) => path.join(PACKAGE, 'build', dir, 'stn_native.node'))
    .find((file) => fs.existsSync(file))!;

// Loads native.ts (transpiled), runs a forward at 2 threads (past the 16384-element threshold),
// then sleeps 300 ms and reports the process's CPU time during the sleep, and GOMP_SPINCOUNT as JS sees it.
const CHILD = `
const {native} = require('./dist/native.js');
native.setNumThreads(2);
const [n, h, w, c] = [8, 64, 64, 4];
const input = new Float32Array(n * h * w * c).fill(1), grid = new Float32Array(n * h * w * 2).fill(0.25);
const output = new Float32Array(n * h * w * c);
for (let i = 0; i < 5; i++) native.gridSampleForward(input, grid, output, [n, h, w, c, h, w], 0, 0, false);
const before = process.cpuUsage();
setTimeout(() => {
  const used = process.cpuUsage(before);
  console.log(JSON.stringify({ms: (used.user + used.system) / 1000, env: process.env.GOMP_SPINCOUNT ?? null}));
}, 300);
`;

let root = '';
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'stn-spin-'));
  fs.mkdirSync(path.join(root, 'dist'));
  for (const name of ['native', 'vocabulary']) {
    const source = fs.readFileSync(path.join(PACKAGE, 'lib', `${name}.ts`), 'utf8');
    const js = ts.transpileModule(source, {compilerOptions: {module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020}});
    fs.writeFileSync(path.join(root, 'dist', `${name}.js`), js.outputText);
  }
  fs.mkdirSync(path.join(root, 'build', 'Release'), {recursive: true});
  fs.copyFileSync(ADDON, path.join(root, 'build', 'Release', 'stn_native.node'));
  fs.writeFileSync(path.join(root, 'child.js'), CHILD);
});
afterAll(() => fs.rmSync(root, {recursive: true, force: true}));

function idleCpu(env: Record<string, string>): {ms: number, env: string|null} {
  const clean = {...process.env};
  delete clean.GOMP_SPINCOUNT;
  delete clean.OMP_WAIT_POLICY;
  const out = execFileSync(process.execPath, ['child.js'], {cwd: root, encoding: 'utf8', env: {...clean, ...env}});
  return JSON.parse(out.trim().split('\n').pop()!);
}

describe("the addon's OpenMP threads", () => {
  // A process that sleeps with passive threads burns only Node's own idle work.
  let passive = 0;
  beforeAll(() => {
    passive = idleCpu({OMP_WAIT_POLICY: 'passive'}).ms;
  });

  test('spin briefly after a kernel by default, and leave no GOMP_SPINCOUNT behind', () => {
    // 10,000 spins: about 1 ms on AMD Zen 4; libgomp's default 300,000 about 8 ms there.
    const ours = idleCpu({});
    expect(ours.env).toBeNull();
    expect(ours.ms).toBeLessThan(passive + 4);
  });

  test("keep the environment's choice: a long spin burns a core while the process sleeps", () => {
    const long = idleCpu({GOMP_SPINCOUNT: '100000000'});
    expect(long.env).toBe('100000000');
    expect(long.ms).toBeGreaterThan(passive + 50);
  });
});
