/**
 * Peak resident memory of this process. On Linux this is VmHWM from /proc/self/status: the
 * high-water mark of this process's own memory. getrusage's maxRSS survives exec, so a bench child
 * would report at least the RSS its parent had when it was spawned.
 */
import fs from 'node:fs';

export function peakRssBytes(): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(fs.readFileSync('/proc/self/status', 'latin1'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    /* not Linux */
  }
  return process.resourceUsage().maxRSS * 1024;
}
