/**
 * CrashLoopBackOff as the kubelet computes it (kuberuntime doBackOff with
 * flowcontrol.Backoff, keyed by container): the first restart after an exit
 * is immediate, later ones wait initial · 2^n up to max, measured from the
 * exit; the delay resets when the previous back-off is older than 2 · max
 * (the container ran that long). Pure.
 */

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 10_000, maxMs: 300_000 };

export interface BackoffEntry {
  backoffMs: number;
  lastUpdateMs: number;
}

export interface RestartPlan {
  /** Wait this long after the exit before starting again. */
  delayMs: number;
  /** The back-off shown in the CrashLoopBackOff message while waiting. */
  shownMs: number;
  /** Entry to keep once the container starts again. */
  next: BackoffEntry;
}

export function planRestart(entry: BackoffEntry | undefined, finishedAtMs: number, p: BackoffPolicy): RestartPlan {
  const expired = !entry || finishedAtMs - entry.lastUpdateMs > 2 * p.maxMs;
  if (expired) return { delayMs: 0, shownMs: 0, next: { backoffMs: p.initialMs, lastUpdateMs: finishedAtMs } };
  return {
    delayMs: entry.backoffMs,
    shownMs: entry.backoffMs,
    next: { backoffMs: Math.min(entry.backoffMs * 2, p.maxMs), lastUpdateMs: finishedAtMs },
  };
}

/** Go's time.Duration.String for whole milliseconds: 500ms, 10s, 1m20s, 5m0s. */
export function goDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const totalS = ms / 1000;
  const h = Math.floor(totalS / 3600);
  const m = Math.floor((totalS % 3600) / 60);
  const s = +(totalS % 60).toFixed(3);
  if (h) return `${h}h${m}m${s}s`;
  if (m) return `${m}m${s}s`;
  return `${s}s`;
}
