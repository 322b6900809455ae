/**
 * What the agent must remember across its own restarts, one JSON file per pod
 * under DATA/pods/UID.json (written atomically: temp file + rename): the
 * sandbox, and per container the process (pid + start time, so a reused pid
 * is not mistaken for ours), restart count, back-off and last termination.
 * Logs live next to it under DATA/logs/NS_NAME_UID/CONTAINER/N.log.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ContainerState } from '../api/types.ts';
import type { BackoffEntry } from './backoff.ts';
import type { Sandbox } from './network.ts';

/** ContainerStateTerminated, with the containerID field the shared type leaves out. */
export type Terminated = NonNullable<ContainerState['terminated']> & { containerID?: string };

export interface ContainerRecord {
  /** Process of the current attempt, while it may be running. */
  pid?: number;
  startTicks?: string;
  /** The current (or last) attempt number: also the restart count and the log file name. */
  attempt: number;
  startedAt?: string;
  containerID?: string;
  /** Set once the attempt ended (exit seen by the agent). */
  terminated?: Terminated;
  /** The previous attempt's termination (lastState). */
  lastTerminated?: Terminated;
  backoff?: BackoffEntry;
  started?: boolean;
}

export interface PodRecord {
  uid: string;
  namespace: string;
  name: string;
  sandbox?: Sandbox;
  /** The address the pod had, kept for status after the sandbox is gone. */
  podIP?: string;
  startTime?: string;
  /** No container will run again. */
  terminal?: boolean;
  containers: Record<string, ContainerRecord>;
  init: Record<string, ContainerRecord>;
}

export class StateStore {
  readonly podsDir: string;
  readonly logsDir: string;

  constructor(readonly dataDir: string) {
    this.podsDir = join(dataDir, 'pods');
    this.logsDir = join(dataDir, 'logs');
    mkdirSync(this.podsDir, { recursive: true, mode: 0o700 });
    mkdirSync(this.logsDir, { recursive: true, mode: 0o755 });
  }

  load(): PodRecord[] {
    const out: PodRecord[] = [];
    for (const f of readdirSync(this.podsDir)) {
      if (!f.endsWith('.json')) continue;
      try {
        const r = JSON.parse(readFileSync(join(this.podsDir, f), 'utf8')) as PodRecord;
        if (r && r.uid) out.push({ ...r, containers: r.containers ?? {}, init: r.init ?? {} });
      } catch {
        rmSync(join(this.podsDir, f), { force: true });
      }
    }
    return out;
  }

  save(r: PodRecord): void {
    const file = join(this.podsDir, `${r.uid}.json`);
    const tmp = `${file}.tmp`;
    writeFileSync(tmp, JSON.stringify(r));
    renameSync(tmp, file);
  }

  /** Forgets a pod: its record and its logs. */
  remove(r: Pick<PodRecord, 'uid' | 'namespace' | 'name'>): void {
    rmSync(join(this.podsDir, `${r.uid}.json`), { force: true });
    rmSync(this.podLogDir(r), { recursive: true, force: true });
  }

  podLogDir(r: Pick<PodRecord, 'uid' | 'namespace' | 'name'>): string {
    return join(this.logsDir, `${r.namespace}_${r.name}_${r.uid}`);
  }

  containerDir(r: Pick<PodRecord, 'uid' | 'namespace' | 'name'>, container: string): string {
    return join(this.podLogDir(r), container);
  }

  /** Pod log directories with no record (left by a crash between the two deletes). */
  orphanLogDirs(known: ReadonlySet<string>): string[] {
    return readdirSync(this.logsDir)
      .filter((d) => !known.has(d.slice(d.lastIndexOf('_') + 1)))
      .map((d) => join(this.logsDir, d));
  }
}
