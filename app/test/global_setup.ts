// Before any test file: build dist/ (as `npm run build` does), so that the
// CLI's child processes and the batch worker thread run the current sources.
import {spawnSync} from 'child_process';
import * as path from 'path';

export default function setup(): void {
  const root = path.join(__dirname, '..');
  const build = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p',
    path.join(root, 'tsconfig.json')], {encoding: 'utf8'});
  if (build.status !== 0) throw new Error(`tsc failed (exit ${build.status}):\n${build.stdout}${build.stderr}`);
}
