// What counts as a run's code: every tracked file but docs/ and Markdown.
import {execFileSync} from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {expect, test} from 'vitest';

import {codeDirty, headCommit, isCodePath, sameCode} from '../src/train/code_state';

test('a docs commit keeps the code the same; a code change or edit does not', () => {
  expect([isCodePath('app/src/cli.ts'), isCodePath('docs/training.md'), isCodePath('README.md'),
    isCodePath('docs2/x.ts'), isCodePath('')]).toEqual([true, false, false, true, false]);
  const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'stn-git-'));
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args],
      {cwd: repo, encoding: 'utf8'});
  const commit = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(repo, file)), {recursive: true});
    fs.writeFileSync(path.join(repo, file), text);
    git('add', '-A');
    git('commit', '-qm', file);
    return headCommit(repo)!;
  };
  git('init', '-q');
  const first = commit('app/a.ts', '1');
  const docs = commit('docs/training.md', 'table');
  const readme = commit('README.md', 'x');
  const code = commit('app/a.ts', '2');
  expect(first).toMatch(/^[0-9a-f]{40}$/);
  expect([sameCode(repo, first, docs), sameCode(repo, first, readme), sameCode(repo, readme, code),
    sameCode(repo, first, 'f'.repeat(40)), sameCode(repo, null, code)]).toEqual([true, true, false, false, false]);
  expect(codeDirty(repo)).toBe(false);
  fs.writeFileSync(path.join(repo, 'docs', 'training.md'), 'edited');
  expect(codeDirty(repo)).toBe(false);
  fs.writeFileSync(path.join(repo, 'app', 'a.ts'), '3');
  expect(codeDirty(repo)).toBe(true);
  fs.rmSync(repo, {recursive: true, force: true});
  const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'stn-nogit-'));
  expect([headCommit(outside), codeDirty(outside)]).toEqual([null, null]);
  fs.rmSync(outside, {recursive: true, force: true});
});
