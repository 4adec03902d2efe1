/**
 * Formatting for people: times (always with their zone), durations, percentages, confidence.
 * View models call these; templates only place the results. Also registered as handlebars helpers
 * for user templates (`{{formatUtc at}}`).
 */
import { DateTime } from 'luxon';

/** `2026-01-24 09:02:19 UTC` from an ISO string or epoch ms; `—` when absent or invalid. */
export function formatUtc(at: string | number | null | undefined): string {
  const dt = toUtc(at);
  return dt ? dt.toFormat("yyyy-LL-dd HH:mm:ss 'UTC'") : '—';
}

/** `09:02:19` (UTC, no date) for dense tables. */
export function formatUtcTime(at: string | number | null | undefined): string {
  const dt = toUtc(at);
  return dt ? dt.toFormat('HH:mm:ss') : '—';
}

/** `09:02:19.563` when sub-second precision matters (evidence). */
export function formatUtcPrecise(at: string | number | null | undefined): string {
  const dt = toUtc(at);
  return dt ? dt.toFormat("yyyy-LL-dd HH:mm:ss.SSS 'UTC'") : '—';
}

/** Epoch ms of an ISO time read in UTC; NaN when invalid. */
export function isoToMs(iso: string): number {
  const dt = DateTime.fromISO(iso, { zone: 'utc' });
  return dt.isValid ? dt.toMillis() : Number.NaN;
}

function toUtc(at: string | number | null | undefined): DateTime | undefined {
  if (at === null || at === undefined || at === '') return undefined;
  const dt = typeof at === 'number' ? DateTime.fromMillis(at, { zone: 'utc' }) : DateTime.fromISO(at, { zone: 'utc' });
  return dt.isValid ? dt.setZone('utc') : undefined;
}

/** `850 ms`, `12.4 s`, `4 min 05 s`, `1 h 03 min`; `—` for absent or negative input. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) {
    const s = ms / 1000;
    return `${s < 10 ? s.toFixed(1).replace(/\.0$/, '') : Math.round(s)} s`;
  }
  const totalS = Math.round(ms / 1000);
  if (totalS < 3600) return `${Math.floor(totalS / 60)} min ${String(totalS % 60).padStart(2, '0')} s`;
  const totalMin = Math.round(totalS / 60);
  return `${Math.floor(totalMin / 60)} h ${String(totalMin % 60).padStart(2, '0')} min`;
}

/** A signed offset: `+1.2 s`, `-350 ms`, `0 ms`. */
export function formatOffset(ms: number): string {
  if (ms === 0) return '0 ms';
  return `${ms > 0 ? '+' : '-'}${formatDuration(Math.abs(ms))}`;
}

/** A 0-1 ratio as `93 %` (one decimal below 10 %). */
export function formatPercent(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return '—';
  const pct = ratio * 100;
  return `${pct > 0 && pct < 10 ? pct.toFixed(1).replace(/\.0$/, '') : Math.round(pct)} %`;
}

export type ConfidenceLevel = 'high' | 'medium' | 'low';

/** Bands for people; the number stays beside the word. 0.75 / 0.4 are display choices, not statistics. */
export function confidenceLevel(confidence: number): ConfidenceLevel {
  if (confidence >= 0.75) return 'high';
  if (confidence >= 0.4) return 'medium';
  return 'low';
}

/** `91 % (high)`. */
export function formatConfidence(confidence: number): string {
  return `${formatPercent(confidence)} (${confidenceLevel(confidence)})`;
}

/** `1,234` */
export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  const r = Math.round(n);
  // en-US digit grouping (`68,265`) by hand for the integers a count is: the first
  // toLocaleString of a process starts ICU number formatting, ~25 ms of an `analyze` (issue 6)
  if (Number.isSafeInteger(r) && !Object.is(r, -0)) return String(r).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return r.toLocaleString('en-US');
}

/** `12.3 MB` */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${Math.round(bytes)} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = bytes / 1000;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

/** A value in a metric unit: `0.93` ratio -> `93 %`, seconds -> a duration. */
export function formatMetricValue(value: number | null | undefined, unit: string): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  switch (unit) {
    case 'ratio':
      return formatPercent(value);
    case 's':
      return formatDuration(value * 1000);
    case 'bytes':
      return formatBytes(value);
    case 'per_s':
      return `${value < 10 ? value.toFixed(2) : Math.round(value)}/s`;
    case 'bool':
      return value ? 'yes' : 'no';
    default:
      return `${Number.isInteger(value) ? value : value.toFixed(2)} ${unit}`;
  }
}

/** `pods-pending` -> `pods pending`: symptom and cause ids as words. */
export function humanizeId(id: string): string {
  return id.replace(/-/g, ' ');
}
