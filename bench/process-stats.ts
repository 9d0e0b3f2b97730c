// CPU time and peak memory of a running child process, read from /proc
// (Linux only). Read them while the process still exists: once it has exited
// and been reaped, its /proc entry is gone.
import { readFileSync } from 'node:fs';

export interface ProcessStats {
  /** User plus system CPU time, in seconds. */
  cpuSeconds: number;
  /** Peak resident set size (VmHWM), in MiB. */
  peakRssMiB: number;
  /** Current resident set size (VmRSS), in MiB. */
  rssMiB: number;
}

// USER_HZ is 100 on every mainstream Linux architecture; /proc/<pid>/stat counts in it.
const CLOCK_TICKS_PER_SECOND = 100;

/** Reads the process's CPU time and peak RSS; returns undefined when the process is gone. */
export function readProcessStats(pid: number): ProcessStats | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name in field 2 may contain spaces, so fields are counted after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 (utime) and 15 (stime) of stat(5); after the name, field 3 is at index 0.
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const hwm = /^VmHWM:\s+(\d+) kB$/m.exec(status);
    const rss = /^VmRSS:\s+(\d+) kB$/m.exec(status);
    return {
      cpuSeconds: (utime + stime) / CLOCK_TICKS_PER_SECOND,
      peakRssMiB: hwm ? Number(hwm[1]) / 1024 : Number.NaN,
      rssMiB: rss ? Number(rss[1]) / 1024 : Number.NaN,
    };
  } catch {
    return undefined;
  }
}

/**
 * Samples a process every `intervalMs` so that the last values read before it
 * exits are kept. Call `read()` for a final reading while the process is alive.
 */
export class ProcessSampler {
  last: ProcessStats | undefined;
  /** VmRSS in MiB with the time it was read (ms since the epoch), one entry per read. */
  readonly rssSeries: { atMs: number; rssMiB: number }[] = [];
  private readonly pid: number;
  private readonly timer: NodeJS.Timeout;

  constructor(pid: number, intervalMs = 200) {
    this.pid = pid;
    this.timer = setInterval(() => this.read(), intervalMs);
    this.timer.unref();
  }

  read(): ProcessStats | undefined {
    const stats = readProcessStats(this.pid);
    if (stats) {
      this.last = stats;
      this.rssSeries.push({ atMs: Date.now(), rssMiB: stats.rssMiB });
    }
    return this.last;
  }

  stop(): ProcessStats | undefined {
    clearInterval(this.timer);
    return this.last;
  }
}
