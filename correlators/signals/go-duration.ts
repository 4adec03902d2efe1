/**
 * Parses a Go `time.Duration` string (`1.5s`, `812.3ms`, `1m2.5s`, `350µs`, `7s`) to milliseconds.
 * Returns undefined for anything else; never throws.
 * @see https://pkg.go.dev/time#ParseDuration
 */
const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60000, h: 3600000 };
const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

export function parseGoDurationMs(text: string | number | boolean | undefined): number | undefined {
  if (typeof text === 'number') return Number.isFinite(text) ? text : undefined;
  if (typeof text !== 'string' || text.length === 0 || text.length > 40) return undefined;
  let s = text.trim();
  let sign = 1;
  if (s.startsWith('-')) {
    sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  PART.lastIndex = 0;
  let total = 0;
  let pos = 0;
  while (pos < s.length) {
    PART.lastIndex = pos;
    const m = PART.exec(s);
    if (!m || m[1] === undefined || m[2] === undefined) return undefined;
    total += Number(m[1]) * (UNIT_MS[m[2]] ?? NaN);
    pos = PART.lastIndex;
  }
  return Number.isFinite(total) && pos > 0 ? sign * total : undefined;
}
