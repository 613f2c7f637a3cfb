// Resizes the pty an exec -t session (or a tty container, for attach) runs
// on: the terminal is script(1)'s,
// attached as stdin of its child (runc exec -t); stty on that device sets
// the window size and the kernel signals SIGWINCH to its foreground group,
// which runc passes on to the container's console (and runc copies the size
// once when it starts).
//
// kubectl sends the first size as soon as the stream opens, usually before
// script(1) has started its child: the resizer waits (briefly) for the pty to
// appear and always applies the latest size last.
import { readFileSync, readlinkSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { runTool } from '../exec-file.js';

const FIND_TTY_ATTEMPTS = 100;
const FIND_TTY_INTERVAL_MS = 20;

export class TtyResizer {
  private wanted: { columns: number; rows: number } | undefined;
  private applied: { columns: number; rows: number } | undefined;
  private busy = false;
  private tty: string | undefined;

  constructor(private readonly scriptPid: number) {}

  resize(columns: number, rows: number): void {
    this.wanted = { columns, rows };
    if (!this.busy) void this.apply();
  }

  private async apply(): Promise<void> {
    this.busy = true;
    try {
      for (let i = 0; !this.tty && i < FIND_TTY_ATTEMPTS; i++) {
        this.tty = childTty(this.scriptPid);
        if (!this.tty) await sleep(FIND_TTY_INTERVAL_MS);
      }
      if (!this.tty) return;
      while (this.wanted && this.wanted !== this.applied) {
        const size = this.wanted;
        await runTool('stty', ['-F', this.tty, 'rows', String(size.rows), 'cols', String(size.columns)], { allowFailure: true });
        this.applied = size;
      }
    } finally {
      this.busy = false;
    }
  }
}

function childTty(scriptPid: number): string | undefined {
  try {
    for (const child of readFileSync(`/proc/${scriptPid}/task/${scriptPid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) {
      const tty = readlinkSync(`/proc/${child}/fd/0`);
      if (tty.startsWith('/dev/pts/')) return tty;
    }
  } catch {
    // Not started yet, or the session ended.
  }
  return undefined;
}
