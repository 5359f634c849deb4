/**
 * What an engine costs the machine, measured from outside it as `top` would: the resident memory
 * and CPU time of its whole process tree (Spark: the spark-submit JVM and the Python driver it
 * starts; vigie: its node process), read from /proc every 200 ms. An engine's own figure would miss
 * its children, and the JVM's heap settings say nothing of what it really holds.
 */
import { readFileSync, readdirSync } from 'node:fs';

/** Linux's USER_HZ, in which /proc/<pid>/stat counts CPU time: 100 on every common platform. */
const TICKS_PER_SECOND = 100;
const EVERY_MS = 200;

export interface TreeUsage {
  /** The largest sum of VmRSS over the tree seen in one sample, MB. */
  readonly peakRssMb: number;
  /** User + system CPU seconds of every process of the tree seen, up to its last sample. */
  readonly cpuSeconds: number;
}

interface Stat {
  readonly ppid: number;
  readonly cpuSeconds: number;
}

function stat(pid: number): Stat | undefined {
  try {
    // Fields after the command's closing parenthesis: ppid is the 2nd, utime and stime the 12th and 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
    return { ppid: Number(fields[1]), cpuSeconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND };
  } catch {
    return undefined;
  }
}

function rssKb(pid: number): number {
  try {
    return Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** `root` and its descendants now, with their stats. */
function tree(root: number): Map<number, Stat> {
  const all = new Map<number, Stat>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const s = stat(Number(entry));
    if (s) all.set(Number(entry), s);
  }
  const inTree = new Map<number, Stat>();
  const rootStat = all.get(root);
  if (rootStat) inTree.set(root, rootStat);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, s] of all) {
      if (!inTree.has(pid) && inTree.has(s.ppid)) {
        inTree.set(pid, s);
        grew = true;
      }
    }
  }
  return inTree;
}

/** Samples `root`'s tree until `stop()`, which returns what it saw. */
export function sampleTree(root: number): { stop(): TreeUsage } {
  let peakKb = 0;
  const cpu = new Map<number, number>();
  const sample = (): void => {
    let kb = 0;
    for (const [pid, s] of tree(root)) {
      kb += rssKb(pid);
      cpu.set(pid, s.cpuSeconds);
    }
    peakKb = Math.max(peakKb, kb);
  };
  sample();
  const timer = setInterval(sample, EVERY_MS);
  return {
    stop() {
      sample();
      clearInterval(timer);
      return { peakRssMb: Math.round(peakKb / 1024), cpuSeconds: [...cpu.values()].reduce((a, b) => a + b, 0) };
    },
  };
}
