// Resizes the pty an exec -t session runs on: the terminal is script(1)'s,
// attached as stdin of its child (runc exec -t); stty on that device sets
// the window size and the kernel signals SIGWINCH to its foreground group.
import { readFileSync, readlinkSync } from 'node:fs';
import { runTool } from '../exec-file.js';

export async function resizeChildTty(scriptPid: number, columns: number, rows: number): Promise<void> {
  try {
    for (const child of childPids(scriptPid)) {
      const tty = readlinkSync(`/proc/${child}/fd/0`);
      if (tty.startsWith('/dev/pts/')) {
        await runTool('stty', ['-F', tty, 'rows', String(rows), 'cols', String(columns)], { allowFailure: true });
        return;
      }
    }
  } catch {
    // The session ended meanwhile.
  }
}

function childPids(pid: number): number[] {
  return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
}
