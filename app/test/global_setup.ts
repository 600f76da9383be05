// Before any test file: build dist/ (as `npm run build` does) and dist-tools/
// (the bench and the table runner), so that the CLI's child processes, the
// batch worker thread and the bench run the current sources.
import {spawnSync} from 'child_process';
import * as path from 'path';

export default function setup(): void {
  const root = path.join(__dirname, '..');
  for (const config of ['tsconfig.json', 'tsconfig.tools.json']) {
    const build = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p',
      path.join(root, config)], {encoding: 'utf8'});
    if (build.status !== 0) throw new Error(`tsc -p ${config} failed (exit ${build.status}):\n${build.stdout}${build.stderr}`);
  }
}
