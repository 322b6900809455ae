/**
 * What a cluster is on disk. Two places:
 *
 * - the data dir (--data-dir, default ./.switchboard/clusters/NAME):
 *   cluster.json (the spec, the plan's addresses, the recorded processes),
 *   the API server's state, PKI and kubeconfig, logs, the agents' state;
 * - the host registry /run/switchboard/clusters/NAME.json → data dir. Names
 *   of namespaces and interfaces are host-wide, so cluster names are too: the
 *   registry entry is created with O_EXCL (a second create of the name
 *   fails), and the underlay subnet is claimed the same way. /run is a tmpfs
 *   that, like network namespaces and processes, does not survive a reboot.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createExclusive } from '../node/index.ts';
import { join } from 'node:path';
import type { ClusterSpec } from './plan.ts';

export const REGISTRY_DIR = process.env['SWITCHBOARD_CLUSTER_REGISTRY'] || '/run/switchboard/clusters';

/** A process `cluster create` started; start ticks (field 22 of /proc/PID/stat) tell it apart from a later process with the same PID. */
export interface ProcessRecord {
  role: string;
  pid: number;
  startTicks: string;
  log: string;
}

export interface ClusterState {
  spec: ClusterSpec;
  dataDir: string;
  /** Working directory of the agents (relative container commands resolve against it). */
  workDir: string;
  createdAt: string;
  apiServer: string;
  kubeconfig: string;
  processes: ProcessRecord[];
  /** Set when the cluster was deleted but its data dir kept (--keep-data, or a failed create). */
  deletedAt?: string;
}

export interface RegistryEntry {
  name: string;
  dataDir: string;
  underlay: number;
}

export const stateFile = (dataDir: string) => join(dataDir, 'cluster.json');

export function readState(dataDir: string): ClusterState | undefined {
  try {
    return JSON.parse(readFileSync(stateFile(dataDir), 'utf8')) as ClusterState;
  } catch {
    return undefined;
  }
}

/** Atomic (write + rename). */
export function writeState(s: ClusterState): void {
  const f = stateFile(s.dataDir);
  writeFileSync(`${f}.tmp`, `${JSON.stringify(s, null, 2)}\n`, { mode: 0o600 });
  renameSync(`${f}.tmp`, f);
}

const entryPath = (name: string) => join(REGISTRY_DIR, `${name}.json`);
const underlayLock = (u: number) => join(REGISTRY_DIR, `underlay-${u}.lock`);

export function registryEntry(name: string): RegistryEntry | undefined {
  try {
    return JSON.parse(readFileSync(entryPath(name), 'utf8')) as RegistryEntry;
  } catch {
    return undefined;
  }
}

export function listRegistry(): RegistryEntry[] {
  if (!existsSync(REGISTRY_DIR)) return [];
  return readdirSync(REGISTRY_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => registryEntry(f.slice(0, -5)))
    .filter((e): e is RegistryEntry => !!e)
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Claims the name and a free underlay subnet (the lowest U not held and not
 * already on one of this host's interfaces). False when the name is taken.
 */
export function claimName(name: string, dataDir: string, inUse: (u: number) => boolean): RegistryEntry | false {
  mkdirSync(REGISTRY_DIR, { recursive: true, mode: 0o755 });
  if (!createExclusive(entryPath(name), `${JSON.stringify({ name, dataDir, underlay: -1 })}\n`)) return false;
  for (let u = 0; u < 256; u++) {
    if (inUse(u)) continue;
    if (!createExclusive(underlayLock(u), name)) continue;
    const e: RegistryEntry = { name, dataDir, underlay: u };
    writeFileSync(entryPath(name), `${JSON.stringify(e)}\n`);
    return e;
  }
  rmSync(entryPath(name), { force: true });
  throw new Error('no free underlay subnet left in 172.30.0.0/16 (256 clusters on this host?)');
}

export function releaseName(e: RegistryEntry): void {
  if (e.underlay >= 0) {
    try {
      if (readFileSync(underlayLock(e.underlay), 'utf8') === e.name) rmSync(underlayLock(e.underlay), { force: true });
    } catch {
      /* not held */
    }
  }
  rmSync(entryPath(e.name), { force: true });
}
