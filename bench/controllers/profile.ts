/**
 * In-process V8 CPU profiling through an inspector session, summarised as
 * self time per function (the benchmark's "where the time goes").
 */
import type { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

interface Profile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  totalMs: number;
  top: { fn: string; ms: number; share: number }[];
}

let session: Session | undefined;
const post = <T>(m: string, params?: object) =>
  new Promise<T>((resolve, reject) => session!.post(m, params, (e: Error | null, r?: object) => (e ? reject(e) : resolve(r as T))));

export async function startProfile(): Promise<void> {
  const inspector = await import('node:inspector');
  session = new inspector.Session();
  session.connect();
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 500 });
  await post('Profiler.start');
}

/** With BENCH_CPUPROFILE_DIR set, each profile is also saved there (`<label>-<pid>.cpuprofile`, for DevTools). */
export async function stopProfile(top: number, label = 'profile'): Promise<ProfileSummary> {
  const { profile } = await post<{ profile: Profile }>('Profiler.stop');
  session!.disconnect();
  session = undefined;
  const dir = process.env['BENCH_CPUPROFILE_DIR'];
  if (dir) writeFileSync(join(dir, `${label}-${process.pid}-${Date.now()}.cpuprofile`), JSON.stringify(profile));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    total += dt;
    const n = byId.get(id)!;
    const url = n.callFrame.url.replace(/^file:\/\//, '').replace(/^.*\/work\/main\//, '');
    const k = `${n.callFrame.functionName || '(anonymous)'}${url ? ` ${url}:${n.callFrame.lineNumber + 1}` : ''}`;
    self.set(k, (self.get(k) ?? 0) + dt);
  });
  return {
    totalMs: total / 1000,
    top: [...self]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([fn, us]) => ({ fn, ms: us / 1000, share: us / total })),
  };
}
