/**
 * CPU used on this machine by processes that are not part of the benchmark.
 * The machine is shared (other sessions run test suites on the same 2 cores),
 * so every part records how much CPU others took while it ran, and the driver
 * waits for a quiet moment before each part.
 *
 * "Ours" = the driver plus all its live descendants (the server, client
 * workers), plus children already reaped (the driver's cutime/cstime).
 */
import { readdirSync, readFileSync } from 'node:fs';

const CLOCK_TICKS = 100;

/** Busy CPU seconds of the whole machine (user + nice + system; irq/softirq/steal left out). */
function machineBusy(): number {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return (cpu[0] + cpu[1] + cpu[2]) / CLOCK_TICKS;
}

function statFields(pid: number | string): string[] | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return s.slice(s.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** CPU seconds of the driver's process tree (see module comment). */
function oursBusy(): number {
  const self = process.pid;
  const parent = new Map<number, number>();
  const cpu = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const f = statFields(d);
    if (!f) continue;
    parent.set(Number(d), Number(f[1]));
    cpu.set(Number(d), (Number(f[11]) + Number(f[12])) / CLOCK_TICKS);
  }
  const mine = (pid: number): boolean => {
    for (let p = pid, hops = 0; p > 1 && hops < 64; p = parent.get(p) ?? 0, hops++) if (p === self) return true;
    return false;
  };
  let sum = 0;
  for (const [pid, c] of cpu) if (mine(pid)) sum += c;
  const f = statFields(self);
  if (f) sum += (Number(f[13]) + Number(f[14])) / CLOCK_TICKS;
  return sum;
}

export interface LoadMeter {
  /** CPU seconds others used since the meter started, and the wall seconds. */
  read(): { otherCpuS: number; wallS: number };
}

export function startLoadMeter(): LoadMeter {
  const m0 = machineBusy();
  const o0 = oursBusy();
  const t0 = performance.now();
  return {
    read() {
      return { otherCpuS: Math.max(0, machineBusy() - m0 - (oursBusy() - o0)), wallS: (performance.now() - t0) / 1000 };
    },
  };
}

/**
 * Waits until others use less than `maxCores` of CPU over a 1 s sample, for
 * at most `timeoutS`. Returns the last sample's load (in cores).
 */
export async function waitQuiet(maxCores = 0.15, timeoutS = 10): Promise<number> {
  const deadline = performance.now() + timeoutS * 1000;
  for (;;) {
    const m = startLoadMeter();
    await new Promise((r) => setTimeout(r, 1000));
    const { otherCpuS, wallS } = m.read();
    const load = otherCpuS / wallS;
    if (load < maxCores || performance.now() > deadline) return load;
  }
}
