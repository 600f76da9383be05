// What the bench ran on.
import {execFileSync} from 'child_process';
import * as os from 'os';

/** The CPU's model name (lscpu's "Model name", else Node's). */
export function cpuModel(): string {
  try {
    const out = execFileSync('lscpu', {encoding: 'utf8'});
    const m = /Model name:\s*(.*)/.exec(out);
    if (m) return m[1].trim();
  } catch { /* fall through */ }
  return os.cpus()[0]?.model ?? 'unknown CPU';
}
