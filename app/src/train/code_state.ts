// The state of the code a run comes from, read with git: the commit, and
// whether code files differ from it. Code is every tracked file but docs/
// and Markdown (what a run's numbers cannot depend on), so that editing or
// committing documentation neither dirties a run nor makes its results stale.
// No tfjs import here (the results runner uses it too).
import {execFileSync} from 'child_process';

function git(args: string[], cwd: string): string|null {
  try {
    return execFileSync('git', args, {cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']});
  } catch {
    return null;
  }
}

/** Whether a repository path is code: all but docs/ and Markdown files. */
export function isCodePath(file: string): boolean {
  return file !== '' && !file.startsWith('docs/') && !file.endsWith('.md');
}

/** HEAD of the checkout holding `dir`, or null outside a git checkout. */
export function headCommit(dir: string): string|null {
  return git(['rev-parse', 'HEAD'], dir)?.trim() ?? null;
}

/** Whether tracked code files differ from HEAD (staged or not); null outside a git checkout. */
export function codeDirty(dir: string): boolean|null {
  const changed = git(['diff', '--name-only', 'HEAD'], dir);
  return changed === null ? null : changed.split('\n').some(isCodePath);
}

/** Whether commits `a` and `b` have the same code (false when either is unknown here). */
export function sameCode(dir: string, a: string|null, b: string|null): boolean {
  if (a === null || b === null) return false;
  if (a === b) return true;
  const changed = git(['diff', '--name-only', a, b], dir);
  return changed !== null && !changed.split('\n').some(isCodePath);
}
