/**
 * One probe of one container attempt (prober/worker.go): first run
 * initialDelaySeconds after the container started, then every periodSeconds;
 * each attempt bounded by timeoutSeconds; the reported result flips only
 * after successThreshold / failureThreshold results in a row. Readiness and
 * liveness wait until the startup probe (if any) has succeeded. Every result
 * change is reported at once through onResult; failed attempts also through
 * onFailure (for Unhealthy events).
 */
import { initialProbeCounter, nextProbeCounter, type ProbeCounter, type ResolvedProbe } from './probe-spec.ts';
import { runProbe, type ProbeContext, type ProbeOutcome } from './probe-runner.ts';

export interface ProbeHooks {
  context(): ProbeContext | undefined;
  /** Readiness and liveness are held back until this is true. */
  started(): boolean;
  onResult(result: 'success' | 'failure', atMs: number): void;
  onFailure(outcome: ProbeOutcome): void;
}

export class ProbeWorker {
  private counter: ProbeCounter;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private running = false;
  private rerun = false;
  /** Attempts run (metrics). */
  attempts = 0;

  constructor(
    readonly probe: ResolvedProbe,
    private readonly hooks: ProbeHooks,
  ) {
    this.counter = initialProbeCounter(probe.kind);
  }

  get result(): ProbeCounter['result'] {
    return this.counter.result;
  }

  /** Starts probing a container that started at `startedAtMs`. */
  start(startedAtMs: number, opts: { immediate?: boolean; initial?: ProbeCounter['result'] } = {}): void {
    if (opts.initial) this.counter = { result: opts.initial, run: 0 };
    const delay = opts.immediate ? 0 : Math.max(0, startedAtMs + this.probe.initialDelaySeconds * 1000 - Date.now());
    this.schedule(delay);
  }

  /** Runs an attempt now (e.g. readiness right after the startup probe succeeded). */
  trigger(): void {
    if (this.stopped) return;
    if (this.running) {
      this.rerun = true;
      return;
    }
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), ms);
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    this.timer = undefined;
    const ctx = this.hooks.context();
    if (!ctx || (this.probe.kind !== 'startup' && !this.hooks.started()) || (this.probe.kind === 'startup' && this.counter.result === 'success')) {
      // Held back (startup probe pending) or nothing to probe: look again next period.
      if (!(this.probe.kind === 'startup' && this.counter.result === 'success')) this.schedule(this.probe.periodSeconds * 1000);
      return;
    }
    this.running = true;
    const started = Date.now();
    let outcome: ProbeOutcome;
    try {
      outcome = await runProbe(this.probe.action, { ...ctx, timeoutMs: this.probe.timeoutSeconds * 1000 });
    } catch (e) {
      outcome = { result: 'failure', message: e instanceof Error ? e.message : String(e) };
    }
    this.running = false;
    if (this.stopped) return;
    this.attempts++;
    const at = Date.now();
    const before = this.counter.result;
    this.counter = nextProbeCounter(this.counter, outcome.result, this.probe);
    if (outcome.result === 'failure') this.hooks.onFailure(outcome);
    if (this.counter.result !== before && this.counter.result !== 'unknown') this.hooks.onResult(this.counter.result, at);
    if (this.stopped) return;
    if (this.probe.kind === 'startup' && this.counter.result === 'success') return;
    if (this.rerun) {
      this.rerun = false;
      this.schedule(0);
      return;
    }
    this.schedule(Math.max(0, this.probe.periodSeconds * 1000 - (Date.now() - started)));
  }
}
