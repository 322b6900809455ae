/**
 * One pod on this node, from sandbox to deletion (the kubelet's pod worker,
 * reduced): sets up the sandbox (IP, netns), runs init containers one by one,
 * then the containers; restarts them per restartPolicy with CrashLoopBackOff;
 * runs their probes; terminates gracefully (preStop, SIGTERM, grace,
 * SIGKILL); tears the sandbox down; and confirms the deletion. Everything it
 * knows is exposed as a PodView for the status manager, and persisted so a
 * restarted agent adopts the pod instead of starting it twice.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import http from 'node:http';
import https from 'node:https';
import type { Container, ContainerState, Pod, Service } from '../api/types.ts';
import { planRestart, goDuration, type BackoffPolicy } from './backoff.ts';
import { buildContainerEnv, EnvError } from './env.ts';
import { podRef, type EventRecorder } from './events.ts';
import { LogRecorder, loadIndex, type LogIndex } from './logs.ts';
import type { DnsSettings, PodNetwork, Sandbox } from './network.ts';
import type { ContainerView, PodView } from './pod-status.ts';
import { resolveContainerProbes, resolvePort, ProbeSpecError, type ResolvedProbe } from './probe-spec.ts';
import { ProbeWorker } from './probe-worker.ts';
import { adoptProcess, execInPod, killIfSame, resolveExecutable, StartError, type ExitInfo, type ProcessHandle } from './runtime.ts';
import type { Launcher } from './launcher.ts';
import type { ContainerRecord, PodRecord, StateStore, Terminated } from './state.ts';

/** kuberuntime minimumGracePeriodInSeconds: every container gets at least this long after SIGTERM. */
const MIN_GRACE_MS = 2000;
/** How often a container whose configuration is broken is tried again. */
const CONFIG_RETRY_MS = 10_000;

export interface WorkerContext {
  nodeName: string;
  hostIPs: readonly string[];
  network: PodNetwork;
  store: StateStore;
  launcher: Launcher;
  events: EventRecorder;
  backoff: BackoffPolicy;
  /** PATH, HOME: what every process starts with. */
  baseEnv: ReadonlyMap<string, string>;
  workingDir: string;
  services(): readonly Service[];
  nodeAllocatable: Readonly<Record<string, string>>;
  dnsFor(pod: Pod): DnsSettings | undefined;
  statusChanged(key: string): void;
  flushStatus(key: string): Promise<void>;
  finalizeDeletion(pod: Pod): Promise<void>;
  /** A readiness result flipped at `atMs` (metrics: result → status write). */
  onReadinessChange?(key: string, atMs: number): void;
  log(line: string): void;
}

class ConfigError extends Error {}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}

class ContainerRunner {
  proc?: ProcessHandle;
  recorder?: LogRecorder;
  state: ContainerState;
  ready = false;
  started = false;
  probes: ProbeWorker[] = [];
  timer?: NodeJS.Timeout;
  env?: Record<string, string>;
  cwd?: string;
  /** Resolves when the running attempt has exited (termination waits on it). */
  exited?: Promise<void>;
  /** A kill in progress (liveness failure or termination): a second one joins it. */
  killing?: Promise<void>;
  /** A start in progress (the launcher is forking it). */
  starting?: Promise<void>;

  constructor(
    readonly spec: Container,
    readonly init: boolean,
    readonly rec: ContainerRecord,
  ) {
    this.state = { waiting: { reason: init ? 'PodInitializing' : 'ContainerCreating' } };
  }

  get name(): string {
    return this.spec.name;
  }

  view(): ContainerView {
    const v: ContainerView = {
      name: this.name,
      restartCount: this.rec.attempt,
      state: this.state,
      lastState: this.rec.lastTerminated ? { terminated: this.rec.lastTerminated } : {},
      ready: this.ready,
      started: this.started,
    };
    if (this.rec.containerID && !this.state.waiting) v.containerID = this.rec.containerID;
    return v;
  }

  stopProbes(kinds?: ResolvedProbe['kind'][]): void {
    for (const p of this.probes) if (!kinds || kinds.includes(p.probe.kind)) p.stop();
    if (!kinds) this.probes = [];
  }
}

export interface LogTarget {
  path: string;
  active(): boolean;
  index(): LogIndex | Promise<LogIndex>;
}

export class PodWorker {
  pod: Pod;
  readonly key: string;
  readonly uid: string;
  private readonly record: PodRecord;
  private sandbox?: Sandbox;
  private sandboxReady = false;
  private readonly inits: ContainerRunner[];
  private readonly containers: ContainerRunner[];
  private termination?: { promise: Promise<void>; deadlineMs: number; wake: Set<() => void> };
  private setupTimer?: NodeJS.Timeout;
  /** Removed from the API: nothing more to write. */
  private gone = false;
  private closed = false;
  private removed = false;
  private saveScheduled = false;
  private shutdown?: { reason: string; message: string };

  constructor(
    private readonly ctx: WorkerContext,
    pod: Pod,
    record?: PodRecord,
  ) {
    this.pod = pod;
    this.key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    this.uid = pod.metadata.uid ?? '';
    this.record = record ?? {
      uid: this.uid,
      namespace: pod.metadata.namespace ?? 'default',
      name: pod.metadata.name ?? '',
      containers: {},
      init: {},
    };
    const rec = (map: Record<string, ContainerRecord>, name: string) => (map[name] ??= { attempt: 0 });
    this.inits = (pod.spec.initContainers ?? []).map((c) => new ContainerRunner(c, true, rec(this.record.init, c.name)));
    this.containers = pod.spec.containers.map((c) => new ContainerRunner(c, false, rec(this.record.containers, c.name)));
    if (this.inits.length) for (const c of this.containers) c.state = { waiting: { reason: 'PodInitializing' } };
  }

  get terminal(): boolean {
    return !!this.record.terminal;
  }

  get terminating(): boolean {
    return !!this.termination;
  }

  /** Processes this pod has running (tests, metrics). */
  pids(): number[] {
    return [...this.inits, ...this.containers].flatMap((c) => (c.proc?.isAlive() ? [c.proc.pid] : []));
  }

  sandboxName(): string | undefined {
    return this.sandbox?.netns;
  }

  // ------------------------------------------------------------ status view

  view(): PodView {
    const podIP = this.sandbox?.podIP ?? this.record.podIP;
    const v: PodView = {
      sandboxReady: this.sandboxReady,
      podIPs: this.sandbox?.podIPs ?? (podIP ? [podIP] : []),
      hostIPs: this.ctx.hostIPs,
      startTime: this.record.startTime,
      init: this.inits.map((c) => c.view()),
      containers: this.containers.map((c) => c.view()),
      terminal: this.terminal,
    };
    if (this.shutdown) {
      v.reason = this.shutdown.reason;
      v.message = this.shutdown.message;
      v.extraConditions = [{ type: 'DisruptionTarget', status: 'True', reason: 'TerminationByKubelet', message: this.shutdown.message }];
    }
    return v;
  }

  private changed(): void {
    if (!this.gone) this.ctx.statusChanged(this.key);
  }

  /** Persists the record; the saves of one turn of the event loop are written once, a macrotask later. */
  private save(): void {
    if (this.closed || this.saveScheduled) return;
    this.saveScheduled = true;
    setImmediate(() => this.saveNow());
  }

  private saveNow(): void {
    this.saveScheduled = false;
    if (this.closed || this.removed) return;
    try {
      this.ctx.store.save(this.record);
    } catch (e) {
      this.ctx.log(`pod ${this.key}: cannot save state: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private event(type: 'Normal' | 'Warning', reason: string, message: string, c?: ContainerRunner): void {
    this.ctx.events.event(podRef(this.pod, c?.name, c?.init), type, reason, message);
  }

  private podDesc(): string {
    return `${this.pod.metadata.name}_${this.pod.metadata.namespace}(${this.uid})`;
  }

  // ------------------------------------------------------------- lifecycle

  /** Starts a new pod, or adopts one a previous agent ran (when constructed with its record). */
  start(adopting: boolean): void {
    this.record.startTime ??= iso(Date.now());
    const phase = this.pod.status?.phase;
    if (!adopting && (phase === 'Succeeded' || phase === 'Failed')) {
      // A finished pod is never run again (the kubelet skips terminal pods).
      this.record.terminal = true;
    }
    if (this.terminal) {
      for (const c of [...this.inits, ...this.containers]) if (c.rec.terminated) c.state = { terminated: c.rec.terminated };
      this.save();
      if (this.pod.metadata.deletionTimestamp) void this.terminate(0);
      this.changed();
      return;
    }
    if (adopting && this.adopt()) {
      this.save();
      this.changed();
      if (this.pod.metadata.deletionTimestamp) this.update(this.pod);
      else this.advance();
      return;
    }
    this.save();
    this.changed();
    if (this.pod.metadata.deletionTimestamp) {
      this.update(this.pod);
      return;
    }
    void this.setupSandbox();
  }

  /** Re-attaches to a previous agent's sandbox and processes. False when the sandbox is gone (start over). */
  private adopt(): boolean {
    const s = this.record.sandbox;
    const ok = !!s && this.ctx.network.adopt(s);
    if (!ok) {
      // The sandbox is gone: whatever still runs of this pod is killed and the pod starts again in a new one.
      for (const c of [...this.inits, ...this.containers]) {
        if (c.rec.pid && c.rec.startTicks) killIfSame(c.rec.pid, c.rec.startTicks);
        c.rec.pid = undefined;
      }
      this.record.sandbox = undefined;
      return false;
    }
    this.sandbox = s;
    this.sandboxReady = true;
    const prevStatuses = [...(this.pod.status?.containerStatuses ?? []), ...(this.pod.status?.initContainerStatuses ?? [])];
    for (const c of [...this.inits, ...this.containers]) {
      const r = c.rec;
      if (r.pid && r.startTicks) {
        const h = adoptProcess(r.pid, r.startTicks, this.exitFile(c, r.attempt));
        if (h) {
          c.state = { running: { startedAt: r.startedAt } };
          c.started = r.started ?? true;
          const was = prevStatuses.find((s2) => s2.name === c.name);
          this.prepareEnv(c);
          let probes: ResolvedProbe[] = [];
          try {
            probes = resolveContainerProbes(c.spec);
          } catch {
            /* started with valid probes before */
          }
          c.ready = c.started && (probes.every((p) => p.kind !== 'readiness') || !!was?.ready);
          this.attach(c, h, probes, { adopted: true, wasReady: !!was?.ready });
          continue;
        }
        // Exited while no agent watched: its exit file tells how.
        r.pid = undefined;
        const info: ExitInfo = { exitCode: 137, finishedAt: Date.now(), unknown: true };
        const code = readExit(this.exitFile(c, r.attempt));
        if (code !== undefined) {
          info.exitCode = code;
          info.unknown = false;
        }
        this.onExit(c, info);
        continue;
      }
      if (r.terminated) c.state = { terminated: r.terminated };
      if (r.lastTerminated && !r.terminated && !c.proc) {
        // Was waiting in back-off: restart through the normal path.
        c.state = { waiting: { reason: 'ContainerCreating' } };
      }
    }
    return true;
  }

  private async setupSandbox(): Promise<void> {
    if (this.termination || this.closed) return;
    try {
      const hostNetwork = this.pod.spec['hostNetwork'] === true;
      const sb: Sandbox = hostNetwork
        ? { podIP: this.ctx.hostIPs[0] }
        : await this.ctx.network.setup(
            {
              namespace: this.record.namespace,
              name: this.record.name,
              uid: this.uid,
              hostname: String(this.pod.spec.hostname ?? this.pod.metadata.name),
            },
            this.ctx.dnsFor(this.pod),
          );
      if (this.termination || this.closed) {
        if (!hostNetwork) await this.ctx.network.teardown(sb).catch(() => undefined);
        return;
      }
      this.sandbox = sb;
      this.sandboxReady = true;
      this.record.sandbox = hostNetwork ? undefined : sb;
      this.record.podIP = sb.podIP;
      this.save();
      this.changed();
      this.advance();
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      this.event('Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${msg}`);
      this.ctx.log(`pod ${this.key}: sandbox: ${msg}`);
      this.setupTimer = setTimeout(() => void this.setupSandbox(), 5000);
    }
  }

  /** Starts whatever should run next: the first unfinished init container, else every container not yet started. */
  private advance(): void {
    if (this.termination || this.closed || this.terminal || !this.sandboxReady) return;
    for (const c of this.inits) {
      if (c.rec.terminated?.exitCode === 0 && c.state.terminated) continue;
      if (!c.proc && !c.timer && !c.starting && !c.state.terminated) this.startContainer(c);
      return;
    }
    for (const c of this.containers) {
      if (c.proc || c.timer || c.starting || c.state.terminated || c.state.running) continue;
      if (c.state.waiting?.reason === 'PodInitializing') c.state = { waiting: { reason: 'ContainerCreating' } };
      this.startContainer(c);
    }
  }

  private exitFile(c: ContainerRunner, attempt: number): string {
    return join(this.ctx.store.containerDir(this.record, c.name), `${attempt}.exit`);
  }

  private logFile(c: ContainerRunner, attempt: number): string {
    return join(this.ctx.store.containerDir(this.record, c.name), `${attempt}.log`);
  }

  private containerID(c: ContainerRunner, attempt: number): string {
    return `switchboard://${createHash('sha256').update(`${this.uid}/${c.name}/${attempt}`).digest('hex').slice(0, 32)}`;
  }

  private prepareEnv(c: ContainerRunner): { command: string[]; args: string[] } {
    const podIP = this.sandbox?.podIP ?? '';
    const base = new Map(this.ctx.baseEnv);
    base.set('HOSTNAME', String(this.pod.spec.hostname ?? this.pod.metadata.name));
    const built = buildContainerEnv(
      c.spec,
      { pod: this.pod, podIPs: this.sandbox?.podIPs ?? (podIP ? [podIP] : []), hostIPs: this.ctx.hostIPs, services: this.ctx.services(), nodeAllocatable: this.ctx.nodeAllocatable },
      base,
      new Map([['POD_IP', podIP]]),
    );
    c.env = Object.fromEntries(built.env);
    c.cwd = c.spec.workingDir || this.ctx.workingDir;
    return built;
  }

  private configError(c: ContainerRunner, message: string): void {
    c.state = { waiting: { reason: 'CreateContainerConfigError', message } };
    this.event('Warning', 'Failed', `Error: ${message}`, c);
    this.changed();
    c.timer = setTimeout(() => {
      c.timer = undefined;
      this.advance();
    }, CONFIG_RETRY_MS);
  }

  private startContainer(c: ContainerRunner): void {
    if (this.termination || this.closed) return;
    let built: { command: string[]; args: string[] };
    let probes: ResolvedProbe[];
    try {
      built = this.prepareEnv(c);
      probes = resolveContainerProbes(c.spec);
      if (!built.command.length) {
        throw new ConfigError(
          `container ${JSON.stringify(c.name)} has no command: Switchboard runs each container's command as a host process and does not pull or unpack images, so spec.containers[].command is required (image ${JSON.stringify(c.spec.image ?? '')} is only shown)`,
        );
      }
    } catch (e) {
      if (e instanceof EnvError || e instanceof ProbeSpecError || e instanceof ConfigError) return this.configError(c, e.message);
      throw e;
    }
    const attempt = c.rec.containerID ? c.rec.attempt + 1 : c.rec.attempt;
    const dir = this.ctx.store.containerDir(this.record, c.name);
    mkdirSync(dir, { recursive: true });
    // Keep the current and the previous attempt's files (what --previous reads).
    for (const f of readdirSync(dir)) {
      const n = Number(f.split('.')[0]);
      if (Number.isInteger(n) && n < attempt - 1) rmSync(join(dir, f), { force: true });
    }
    rmSync(this.exitFile(c, attempt), { force: true });
    const containerID = this.containerID(c, attempt);
    const now = Date.now();
    const startError = (e: StartError) => {
      const msg = `failed to start container ${JSON.stringify(c.name)}: ${e.message}`;
      c.rec.attempt = attempt;
      c.rec.containerID = containerID;
      c.rec.startedAt = undefined;
      this.event('Warning', 'Failed', `Error: ${msg}`, c);
      this.onExit(c, { exitCode: 128, finishedAt: now }, { exitCode: 128, reason: 'StartError', message: msg, startedAt: '1970-01-01T00:00:00Z', finishedAt: iso(now), containerID });
    };
    let argv0: string;
    try {
      argv0 = resolveExecutable(built.command[0], c.env!['PATH'] ?? '', c.cwd!);
    } catch (e) {
      if (!(e instanceof StartError)) throw e;
      return startError(e);
    }
    c.starting = this.ctx.launcher
      .start({
        argv: [argv0, ...built.command.slice(1), ...built.args],
        env: c.env!,
        cwd: c.cwd!,
        logPath: this.logFile(c, attempt),
        exitFile: this.exitFile(c, attempt),
        netns: this.sandbox?.netns,
      })
      .then(
        (proc) => {
          c.starting = undefined;
          if (this.closed) {
            // The agent stopped while this started: nobody would record it, so it must not run.
            proc.signal('SIGKILL');
            return;
          }
          this.started(c, proc, attempt, containerID, probes);
        },
        (e: unknown) => {
          c.starting = undefined;
          if (this.closed) return;
          startError(e instanceof StartError ? e : new StartError(e instanceof Error ? e.message : String(e)));
        },
      );
  }

  private started(c: ContainerRunner, proc: ProcessHandle, attempt: number, containerID: string, probes: ResolvedProbe[]): void {
    c.rec.attempt = attempt;
    c.rec.containerID = containerID;
    c.rec.pid = proc.pid;
    c.rec.startTicks = proc.startTicks;
    c.rec.startedAt = iso(Date.now());
    c.rec.terminated = undefined;
    const hasStartup = probes.some((p) => p.kind === 'startup');
    c.rec.started = !hasStartup;
    c.state = { running: { startedAt: c.rec.startedAt } };
    c.started = !hasStartup;
    c.ready = c.started && !probes.some((p) => p.kind === 'readiness');
    this.save();
    this.event('Normal', 'Created', `Created container: ${c.name}`, c);
    this.event('Normal', 'Started', `Started container ${c.name}`, c);
    this.attach(c, proc, probes, {});
    this.changed();
    const postStart = (c.spec.lifecycle as { postStart?: unknown } | undefined)?.postStart;
    if (postStart) {
      void this.runHook(c, postStart, 30_000).then((err) => {
        if (!err || c.proc !== proc) return;
        this.event('Warning', 'FailedPostStartHook', `PostStartHook failed: ${err}`, c);
        void this.killContainer(c, this.pod.spec.terminationGracePeriodSeconds ?? 30, `Container ${c.name} failed post-start hook, will be restarted`);
      });
    }
  }

  private attach(c: ContainerRunner, proc: ProcessHandle, probes: ResolvedProbe[], o: { adopted?: boolean; wasReady?: boolean }): void {
    c.proc = proc;
    const attempt = c.rec.attempt;
    c.recorder = new LogRecorder(this.logFile(c, attempt));
    void c.recorder.start();
    c.exited = proc.exited.then(async (info) => {
      if (c.proc !== proc) return;
      await c.recorder?.close();
      this.onExit(c, info);
    });
    const startedAt = Date.parse(c.rec.startedAt ?? '') || Date.now();
    c.probes = probes.map((p) => this.probeWorker(c, proc, p));
    for (const w of c.probes) {
      if (o.adopted && w.probe.kind === 'readiness') w.start(startedAt, { immediate: true, initial: o.wasReady ? 'success' : 'failure' });
      else if (o.adopted && w.probe.kind === 'startup' && c.started) continue;
      else w.start(startedAt);
    }
  }

  private probeContext(c: ContainerRunner) {
    const podIP = this.sandbox?.podIP;
    if (!podIP || !c.env) return undefined;
    return { podIP, timeoutMs: 1000, env: c.env, cwd: c.cwd ?? this.ctx.workingDir, netns: this.sandbox?.netns };
  }

  private probeWorker(c: ContainerRunner, proc: ProcessHandle, p: ResolvedProbe): ProbeWorker {
    const label = p.kind === 'readiness' ? 'Readiness' : p.kind === 'liveness' ? 'Liveness' : 'Startup';
    const w: ProbeWorker = new ProbeWorker(p, {
      context: () => (c.proc === proc && proc.isAlive() ? this.probeContext(c) : undefined),
      started: () => c.started,
      onFailure: (o) => {
        if (c.proc === proc) this.event('Warning', 'Unhealthy', `${label} probe failed: ${o.message ?? 'probe failed'}`, c);
      },
      onResult: (result, at) => {
        if (c.proc !== proc || this.closed) return;
        if (p.kind === 'readiness') {
          const ready = result === 'success' && c.started;
          if (ready !== c.ready) {
            c.ready = ready;
            this.ctx.onReadinessChange?.(this.key, at);
            this.changed();
          }
        } else if (p.kind === 'startup') {
          if (result === 'success') {
            c.started = true;
            c.rec.started = true;
            this.save();
            if (!c.probes.some((x) => x.probe.kind === 'readiness')) c.ready = true;
            for (const x of c.probes) if (x.probe.kind === 'readiness') x.trigger();
            this.changed();
          } else if (!this.termination) {
            void this.killContainer(c, p.terminationGracePeriodSeconds ?? this.pod.spec.terminationGracePeriodSeconds ?? 30, `Container ${c.name} failed startup probe, will be restarted`);
          }
        } else if (result === 'failure' && !this.termination) {
          void this.killContainer(c, p.terminationGracePeriodSeconds ?? this.pod.spec.terminationGracePeriodSeconds ?? 30, `Container ${c.name} failed liveness probe, will be restarted`);
        }
      },
    });
    return w;
  }

  private restartPolicy(c: ContainerRunner): string {
    if (c.init) return c.spec.restartPolicy === 'Always' ? 'Always' : this.pod.spec.restartPolicy === 'Never' ? 'Never' : 'OnFailure';
    return c.spec.restartPolicy ?? this.pod.spec.restartPolicy ?? 'Always';
  }

  private onExit(c: ContainerRunner, info: ExitInfo, override?: Terminated): void {
    c.proc = undefined;
    c.stopProbes();
    c.ready = false;
    c.started = false;
    const term: Terminated = override ?? {
      exitCode: info.exitCode,
      reason: info.unknown ? 'ContainerStatusUnknown' : info.exitCode === 0 ? 'Completed' : 'Error',
      ...(info.unknown ? { message: 'The container could not be located when the agent restarted' } : {}),
      startedAt: c.rec.startedAt,
      finishedAt: iso(info.finishedAt),
      containerID: c.rec.containerID,
    };
    c.rec.pid = undefined;
    c.rec.startTicks = undefined;
    if (this.termination || this.closed) {
      c.rec.terminated = term;
      c.state = { terminated: term };
      this.save();
      this.changed();
      return;
    }
    const policy = this.restartPolicy(c);
    const restart = policy === 'Always' || (policy === 'OnFailure' && term.exitCode !== 0);
    if (!restart) {
      c.rec.terminated = term;
      c.state = { terminated: term };
      this.save();
      this.changed();
      if (c.init && term.exitCode === 0) this.advance();
      else this.checkFinished();
      return;
    }
    const plan = planRestart(c.rec.backoff, info.finishedAt, this.ctx.backoff);
    c.rec.lastTerminated = term;
    c.rec.terminated = undefined;
    const wait = Math.max(0, plan.delayMs - (Date.now() - info.finishedAt));
    const go = () => {
      c.timer = undefined;
      c.rec.backoff = plan.next;
      this.startContainer(c);
    };
    if (wait === 0) {
      this.save();
      go();
      return;
    }
    c.state = { waiting: { reason: 'CrashLoopBackOff', message: `back-off ${goDuration(plan.shownMs)} restarting failed container=${c.name} pod=${this.podDesc()}` } };
    this.save();
    this.event('Warning', 'BackOff', `Back-off restarting failed container ${c.name} in pod ${this.podDesc()}`, c);
    this.changed();
    c.timer = setTimeout(go, wait);
  }

  /** Finished when no container runs or will run again: the sandbox goes, the pod is terminal. */
  private checkFinished(): void {
    const initFailed = this.inits.some((c) => c.state.terminated && c.state.terminated.exitCode !== 0 && this.restartPolicy(c) === 'Never');
    const mainDone = this.containers.every((c) => c.state.terminated && !c.proc && !c.timer);
    if (!initFailed && !mainDone) return;
    void this.finish();
  }

  private async finish(): Promise<void> {
    this.record.terminal = true;
    this.save();
    await this.teardownSandbox();
    this.changed();
  }

  private async teardownSandbox(): Promise<void> {
    const s = this.sandbox;
    this.sandboxReady = false;
    if (!s) return;
    this.sandbox = undefined;
    this.record.sandbox = undefined;
    this.save();
    try {
      if (this.pod.spec['hostNetwork'] !== true) await this.ctx.network.teardown(s);
    } catch (e) {
      this.ctx.log(`pod ${this.key}: sandbox teardown: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  // ------------------------------------------------------------ termination

  /** A newer copy of the pod from the API: only deletion (and a shorter grace) matters. */
  update(pod: Pod): void {
    if (pod.metadata.uid !== this.uid) return;
    this.pod = pod;
    const ts = pod.metadata.deletionTimestamp;
    if (!ts) return;
    const grace = pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30;
    void this.terminate(grace);
  }

  /** The pod left the API (force deletion, or deleted after we confirmed): stop everything, forget it. */
  async remove(): Promise<void> {
    this.gone = true;
    const grace = this.pod.metadata.deletionGracePeriodSeconds ?? this.pod.spec.terminationGracePeriodSeconds ?? 30;
    await this.terminate(grace);
    this.close();
    this.removed = true;
    this.ctx.store.remove(this.record);
  }

  /**
   * Graceful node shutdown (`--drain`): terminate like a deletion but keep
   * the pod, Failed with reason Terminated, as the kubelet's node shutdown
   * manager does.
   */
  async shutdownForNode(): Promise<void> {
    this.shutdown = { reason: 'Terminated', message: 'Pod was terminated in response to imminent node shutdown.' };
    await this.terminate(this.pod.spec.terminationGracePeriodSeconds ?? 30, false);
  }

  /**
   * Kills every container (preStop, SIGTERM, grace, SIGKILL), tears the
   * sandbox down, writes the final status and, for a deleted pod, confirms
   * the deletion (DELETE with gracePeriodSeconds 0). A later call with a
   * shorter grace moves the SIGKILL deadline closer; idempotent otherwise.
   */
  terminate(graceSeconds: number, confirm = true): Promise<void> {
    const deadline = Date.now() + Math.max(0, graceSeconds) * 1000;
    if (this.termination) {
      if (deadline < this.termination.deadlineMs) {
        this.termination.deadlineMs = deadline;
        for (const w of this.termination.wake) w();
      }
      return this.termination.promise;
    }
    const t = { deadlineMs: deadline, wake: new Set<() => void>(), promise: Promise.resolve() };
    this.termination = t;
    t.promise = (async () => {
      if (this.setupTimer) clearTimeout(this.setupTimer);
      const all = [...this.inits, ...this.containers];
      for (const c of all) {
        if (c.timer) clearTimeout(c.timer);
        c.timer = undefined;
      }
      // A container being started right now is killed like the others once it runs.
      await Promise.all(all.map((c) => c.starting));
      for (const c of all) {
        // Liveness and startup stop at deletion; readiness keeps running (prober worker.go).
        c.stopProbes(['liveness', 'startup']);
      }
      await Promise.all(all.filter((c) => c.proc).map((c) => this.killContainer(c, graceSeconds, `Stopping container ${c.name}`)));
      for (const c of all) {
        c.stopProbes();
        c.ready = false;
      }
      this.record.terminal = true;
      await this.teardownSandbox();
      this.save();
      if (this.gone) return;
      this.changed();
      await this.ctx.flushStatus(this.key);
      if (confirm && this.pod.metadata.deletionTimestamp) await this.ctx.finalizeDeletion(this.pod);
    })();
    return t.promise;
  }

  /** preStop (within the grace), SIGTERM, wait for the rest of the grace (at least 2 s), SIGKILL. */
  private killContainer(c: ContainerRunner, graceSeconds: number, message: string): Promise<void> {
    if (c.killing) return c.killing;
    const p = this.killOnce(c, graceSeconds, message).finally(() => {
      if (c.killing === p) c.killing = undefined;
    });
    c.killing = p;
    return p;
  }

  private async killOnce(c: ContainerRunner, graceSeconds: number, message: string): Promise<void> {
    const proc = c.proc;
    if (!proc) return;
    const exited = c.exited ?? proc.exited.then(() => undefined);
    this.event('Normal', 'Killing', message, c);
    const t0 = Date.now();
    let deadline = t0 + graceSeconds * 1000;
    if (this.termination) deadline = Math.min(deadline, this.termination.deadlineMs);
    const preStop = (c.spec.lifecycle as { preStop?: unknown } | undefined)?.preStop;
    if (preStop && deadline > t0) {
      const err = await Promise.race([this.runHook(c, preStop, deadline - t0), exited.then(() => undefined)]);
      if (err) this.event('Warning', 'FailedPreStopHook', `PreStopHook failed: ${err}`, c);
    }
    if (!proc.isAlive()) return void (await exited);
    const termAt = Date.now();
    proc.signal('SIGTERM');
    // kuberuntime: always give containers a minimal shutdown window.
    const killAt = () => Math.max(termAt + MIN_GRACE_MS, this.termination ? Math.min(deadline, this.termination.deadlineMs) : deadline);
    for (;;) {
      const left = killAt() - Date.now();
      if (left <= 0 || !proc.isAlive()) break;
      let wake!: () => void;
      const woken = new Promise<void>((r) => (wake = r));
      this.termination?.wake.add(wake);
      const timer = setTimeout(wake, left);
      await Promise.race([exited, woken]);
      clearTimeout(timer);
      this.termination?.wake.delete(wake);
    }
    if (proc.isAlive()) proc.signal('SIGKILL');
    await exited;
  }

  /** Runs a lifecycle handler (exec, httpGet, sleep); resolves an error text or undefined. */
  private async runHook(c: ContainerRunner, handler: unknown, timeoutMs: number): Promise<string | undefined> {
    const h = handler as {
      exec?: { command?: string[] };
      httpGet?: { path?: string; port: number | string; host?: string; scheme?: string; httpHeaders?: { name: string; value: string }[] };
      sleep?: { seconds?: number };
    };
    if (h.exec?.command?.length) {
      const r = await execInPod(h.exec.command.map(String), { env: c.env ?? {}, cwd: c.cwd ?? this.ctx.workingDir, netns: this.sandbox?.netns, timeoutMs });
      if (r.code === 0) return undefined;
      return `Exec lifecycle hook (${JSON.stringify(h.exec.command)}) for Container ${JSON.stringify(c.name)} in Pod ${JSON.stringify(this.podDesc())} failed - error: command ${JSON.stringify(h.exec.command.join(' '))} exited with ${r.code}${r.timedOut ? ' (timed out)' : ''}, message: ${JSON.stringify(r.output)}`;
    }
    if (h.httpGet) {
      let port: number;
      try {
        port = resolvePort(h.httpGet.port, c.spec, 'lifecycle.httpGet.port');
      } catch (e) {
        return e instanceof Error ? e.message : String(e);
      }
      const host = h.httpGet.host || this.sandbox?.podIP || '127.0.0.1';
      const https_ = (h.httpGet.scheme ?? 'HTTP').toUpperCase() === 'HTTPS';
      const path = h.httpGet.path ?? '/';
      return new Promise((resolve) => {
        const headers: Record<string, string> = { 'user-agent': 'kube-lifecycle/1.33' };
        for (const hd of h.httpGet!.httpHeaders ?? []) headers[hd.name.toLowerCase()] = hd.value;
        const req = (https_ ? https : http).request({ host, port, path, method: 'GET', headers, agent: false, ...(https_ ? { rejectUnauthorized: false } : {}) }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode && res.statusCode < 400 ? undefined : `HTTP lifecycle hook (${path}) for Container ${JSON.stringify(c.name)} in Pod ${JSON.stringify(this.podDesc())} failed - error: received statuscode ${res.statusCode}`));
        });
        const timer = setTimeout(() => {
          req.destroy();
          resolve(`HTTP lifecycle hook (${path}) for Container ${JSON.stringify(c.name)} in Pod ${JSON.stringify(this.podDesc())} failed - error: timeout`);
        }, timeoutMs);
        req.on('error', (e) => {
          clearTimeout(timer);
          resolve(`HTTP lifecycle hook (${path}) for Container ${JSON.stringify(c.name)} in Pod ${JSON.stringify(this.podDesc())} failed - error: ${e.message}`);
        });
        req.on('close', () => clearTimeout(timer));
        req.end();
      });
    }
    if (h.sleep) {
      const ms = Math.min(Math.max(0, Number(h.sleep.seconds ?? 0) * 1000), timeoutMs);
      await new Promise((r) => setTimeout(r, ms));
      return undefined;
    }
    return 'lifecycle handler has no exec, httpGet or sleep action';
  }

  /**
   * The machine this node is goes down (`switchboard up` stopped): every
   * container gets SIGTERM and, after its grace period (at most `capSeconds`),
   * SIGKILL, with no preStop hook and no status write — a node reboot without
   * graceful node shutdown configured (the kubelet's default,
   * shutdownGracePeriod 0). The pod stays in the API as it is. The record
   * keeps the pids, so the next agent finds them gone, reads their exit
   * files and restarts them per restartPolicy (restartCount + 1), at once:
   * the kubelet's back-off lives in memory and starts afresh after a reboot.
   */
  async killForShutdown(capSeconds: number): Promise<void> {
    const all = [...this.inits, ...this.containers];
    for (const c of all) c.rec.backoff = undefined;
    this.save();
    this.close();
    const procs: ProcessHandle[] = [];
    for (const c of all) {
      // Detached first, so the exit is not taken for a crash to restart from.
      if (c.proc) procs.push(c.proc);
      c.proc = undefined;
    }
    if (!procs.length) return;
    const grace = Math.min(this.pod.spec.terminationGracePeriodSeconds ?? 30, capSeconds) * 1000;
    for (const p of procs) p.signal('SIGTERM');
    const exited = Promise.all(procs.map((p) => p.exited));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise<void>((r) => (timer = setTimeout(r, Math.max(MIN_GRACE_MS, grace))))]);
    clearTimeout(timer);
    for (const p of procs) if (p.isAlive()) p.signal('SIGKILL');
    await exited;
  }

  /** Stops timers and watchers without touching processes (agent stop: pods keep running). */
  close(): void {
    if (this.saveScheduled && !this.removed) {
      this.saveNow();
    }
    this.closed = true;
    if (this.setupTimer) clearTimeout(this.setupTimer);
    for (const c of [...this.inits, ...this.containers]) {
      if (c.timer) clearTimeout(c.timer);
      c.stopProbes();
      void c.recorder?.close();
    }
  }

  // ------------------------------------------------------------------ logs

  /**
   * Which file `kubectl logs` reads for a container, with the kubelet's
   * errors (validateContainerLogStatus) as text.
   */
  logTarget(container: string, previous: boolean): LogTarget | { code: number; message: string } {
    const c = [...this.containers, ...this.inits].find((x) => x.name === container);
    const podName = this.pod.metadata.name;
    if (!c) return { code: 404, message: `container ${JSON.stringify(container)} not found in pod ${JSON.stringify(podName)}` };
    const r = c.rec;
    const lastAttempt = r.containerID && r.lastTerminated ? (c.state.waiting ? r.attempt : r.attempt - 1) : undefined;
    const target = (attempt: number, live: boolean): LogTarget => {
      const path = this.logFile(c, attempt);
      return {
        path,
        active: () => live && c.proc !== undefined && c.rec.attempt === attempt,
        index: () => (live && c.recorder && c.rec.attempt === attempt ? c.recorder.index : loadIndex(path)),
      };
    };
    if (previous) {
      if (lastAttempt === undefined || r.lastTerminated?.reason === 'StartError') {
        return { code: 400, message: `previous terminated container ${JSON.stringify(container)} in pod ${JSON.stringify(podName)} not found` };
      }
      return target(lastAttempt, false);
    }
    if (c.state.running) return target(r.attempt, true);
    if (c.state.terminated) {
      if (c.state.terminated.reason === 'StartError' || !r.containerID) {
        if (lastAttempt !== undefined) return target(lastAttempt, false);
        return { code: 400, message: `container ${JSON.stringify(container)} in pod ${JSON.stringify(podName)} is terminated` };
      }
      return target(r.attempt, false);
    }
    if (r.lastTerminated && lastAttempt !== undefined) return target(lastAttempt, false);
    const reason = c.state.waiting?.reason;
    if (reason) return { code: 400, message: `container ${JSON.stringify(container)} in pod ${JSON.stringify(podName)} is waiting to start: ${reason}` };
    return { code: 400, message: `container ${JSON.stringify(container)} in pod ${JSON.stringify(podName)} is waiting to start - no logs yet` };
  }
}

function readExit(path: string): number | undefined {
  try {
    const n = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(n) ? n : undefined;
  } catch {
    return undefined;
  }
}
