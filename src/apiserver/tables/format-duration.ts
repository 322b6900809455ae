/**
 * Ages as the printers show them: apimachinery's duration.HumanDuration behind
 * translateTimestampSince, plus ShortHumanDuration for completeness.
 *
 * Go works on integer nanoseconds and truncates toward zero at every step
 * (`int(d.Seconds())`, `int(d / time.Minute)`); these functions do the same on
 * milliseconds, which is exact for the second-precision timestamps the API
 * carries.
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/**
 * A metav1.Time / MicroTime as epoch milliseconds, or undefined for Go's zero
 * time: absent, null, empty, unparsable, or year 1 (how a zero time.Time
 * round-trips through JSON).
 */
export function parseTime(value: unknown): number | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms) || ms <= ZERO_TIME_MS) return undefined;
  return ms;
}

/** 0001-01-01T00:00:00Z, Go's zero time.Time. */
const ZERO_TIME_MS = Date.parse('0001-01-01T00:00:00Z');

/** duration.HumanDuration: ~2–3 significant figures ("90s", "2m3s", "5h10m", "3d4h", "2y5d"). */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / SECOND);
  // Tolerate up to 2 s of clock skew as "now"; more is reported as invalid.
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.trunc(ms / MINUTE);
  if (minutes < 10) {
    const s = Math.trunc(ms / SECOND) % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.trunc(ms / HOUR);
  if (hours < 8) {
    const m = Math.trunc(ms / MINUTE) % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    const days = Math.trunc(hours / 24);
    return h === 0 ? `${days}d` : `${days}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.trunc(hours / 24) % 365;
    const years = Math.trunc(hours / 24 / 365);
    return dy === 0 ? `${years}y` : `${years}y${dy}d`;
  }
  return `${Math.trunc(hours / 24 / 365)}y`;
}

/** duration.ShortHumanDuration: one unit only ("5s", "2m", "3h", "4d", "1y"). */
export function shortHumanDuration(ms: number): string {
  const seconds = Math.trunc(ms / SECOND);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.trunc(ms / MINUTE);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.trunc(ms / HOUR);
  if (hours < 24) return `${hours}h`;
  if (hours < 24 * 365) return `${Math.trunc(hours / 24)}d`;
  return `${Math.trunc(hours / 24 / 365)}y`;
}

/** printers' translateTimestampSince / translateMicroTimestampSince: "<unknown>" for a zero time. */
export function translateTimestampSince(timestamp: unknown, now: Date): string {
  const t = parseTime(timestamp);
  if (t === undefined) return '<unknown>';
  return humanDuration(now.getTime() - t);
}

/** time.Time.UTC().Format(time.RFC3339): whole seconds, "Z" suffix. */
export function formatRFC3339(timestamp: unknown): string {
  const t = parseTime(timestamp);
  if (t === undefined) return '0001-01-01T00:00:00Z';
  return new Date(Math.floor(t / SECOND) * SECOND).toISOString().replace('.000Z', 'Z');
}
