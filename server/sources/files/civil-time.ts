/**
 * Calendar arithmetic for the parsers. Luxon decides every calendar question (validity, epoch of a
 * civil minute, zone offsets); the per-line work only adds seconds and fractions to a cached minute,
 * because a 1 GB audit log has ~1.5 M lines and luxon costs microseconds per call.
 */
import { DateTime, FixedOffsetZone, Info, type Zone } from 'luxon';
import type { AnalysisWindow } from '../../../correlators/signals/index.js';

const MINUTE_MS = 60_000;
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

const minuteCache = new Map<number, number>();

/**
 * Epoch ms of the civil minute y-mo-d h:mi read as UTC, or NaN when that date does not exist.
 * Cached: log lines of one file share few minutes.
 */
export function utcMinuteMs(y: number, mo: number, d: number, h: number, mi: number): number {
  // luxon throws on NaN units (a year such as "-001" read digit by digit): a bad line, not a crash
  if (!Number.isFinite(y + mo + d + h + mi)) return NaN;
  const key = ((((y * 13 + mo) * 32 + d) * 24 + h) * 60) + mi;
  const hit = minuteCache.get(key);
  if (hit !== undefined) return hit;
  const dt = DateTime.fromObject({ year: y, month: mo, day: d, hour: h, minute: mi }, { zone: 'utc' });
  const ms = dt.isValid ? dt.toMillis() : NaN;
  if (minuteCache.size > 200_000) minuteCache.clear();
  minuteCache.set(key, ms);
  return ms;
}

/** Wall-clock fields read as UTC (seconds may carry a fraction), or NaN when invalid. */
export function utcCivilMs(y: number, mo: number, d: number, h: number, mi: number, s: number, fracMs = 0): number {
  if (!(s >= 0 && s < 60) || !(h >= 0 && h < 24) || !(mi >= 0 && mi < 60)) return NaN;
  return utcMinuteMs(y, mo, d, h, mi) + s * 1000 + fracMs;
}

/** `Jan` .. `Dec` (any case) to 1..12, else 0. */
export function monthFromAbbrev(s: string): number {
  return MONTHS.indexOf(s.toLowerCase()) + 1;
}

/** Milliseconds (rounded) of a decimal fraction given as its digits: `"107737"` -> 108. */
export function fractionDigitsToMs(text: string, start: number, end: number): number {
  let n = 0;
  let scale = 1;
  // nanoseconds are the most any of our formats writes; more digits only add noise
  const stop = Math.min(end, start + 9);
  for (let i = start; i < stop; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return NaN;
    n = n * 10 + c;
    scale *= 10;
  }
  for (let i = stop; i < end; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return NaN;
  }
  return Math.round((n * 1000) / scale);
}

function digits2(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : NaN;
}

function digits4(s: string, i: number): number {
  const hi = digits2(s, i);
  const lo = digits2(s, i + 2);
  return hi * 100 + lo;
}

/**
 * RFC 3339 / ISO 8601 timestamp with a zone (`Z`, `+09:00`, `+0900`) to epoch ms, fractions up to
 * nanoseconds rounded to ms. The common `YYYY-MM-DDTHH:MM:SS[.f]Z` layout is validated by hand on
 * a luxon-computed minute; anything else goes through luxon. Undefined when not a valid timestamp.
 */
let lastMinutePrefix = '';
let lastMinuteMs = NaN;

/**
 * {@link parseIsoTimestampMs} of `s.slice(start, end)`, without the slice when the timestamp is in
 * the cached minute (the common case in an audit line, which holds two timestamps).
 */
export function parseIsoTimestampAt(s: string, start: number, end: number): number | undefined {
  const n = end - start;
  if (n >= 21 && n <= 40 && lastMinutePrefix !== '' && s.startsWith(lastMinutePrefix, start) && s.charCodeAt(start + 16) === 58 && s.charCodeAt(start + 19) === 46) {
    const sec = digits2(s, start + 17);
    const z = s.charCodeAt(end - 1);
    if (sec < 60 && (z === 90 || z === 122)) {
      const frac = fractionDigitsToMs(s, start + 20, end - 1);
      if (!Number.isNaN(frac) && n > 21) return lastMinuteMs + sec * 1000 + frac;
    }
  }
  return parseIsoTimestampMs(s.slice(start, end));
}

export function parseIsoTimestampMs(s: string): number | undefined {
  const n = s.length;
  // consecutive lines share their minute: reuse it when the first 16 characters are the same
  if (n >= 20 && n <= 40 && lastMinutePrefix !== '' && s.startsWith(lastMinutePrefix) && s.charCodeAt(16) === 58) {
    const sec = digits2(s, 17);
    const z = s.charCodeAt(n - 1);
    if (sec < 60 && (z === 90 || z === 122)) {
      if (n === 20) return lastMinuteMs + sec * 1000;
      if (s.charCodeAt(19) === 46) {
        const frac = fractionDigitsToMs(s, 20, n - 1);
        if (!Number.isNaN(frac) && n > 21) return lastMinuteMs + sec * 1000 + frac;
      }
    }
  }
  if (n >= 20 && s.charCodeAt(4) === 45 && s.charCodeAt(7) === 45 && (s.charCodeAt(10) === 84 || s.charCodeAt(10) === 32) &&
    s.charCodeAt(13) === 58 && s.charCodeAt(16) === 58) {
    const y = digits4(s, 0);
    const mo = digits2(s, 5);
    const d = digits2(s, 8);
    const h = digits2(s, 11);
    const mi = digits2(s, 14);
    const sec = digits2(s, 17);
    let i = 19;
    let frac = 0;
    if (s.charCodeAt(i) === 46 || s.charCodeAt(i) === 44) {
      let j = i + 1;
      while (j < n && s.charCodeAt(j) >= 48 && s.charCodeAt(j) <= 57) j++;
      if (j === i + 1) return undefined;
      frac = fractionDigitsToMs(s, i + 1, j);
      i = j;
    }
    let offsetMin: number | undefined;
    const z = s.charCodeAt(i);
    if ((z === 90 || z === 122) && i === n - 1) offsetMin = 0;
    else if ((z === 43 || z === 45) && (n - i === 6 || n - i === 5 || n - i === 3)) {
      const oh = digits2(s, i + 1);
      const om = n - i === 3 ? 0 : digits2(s, n - i === 6 ? i + 4 : i + 3);
      if (n - i === 6 && s.charCodeAt(i + 3) !== 58) return undefined;
      if (oh > 14 || om > 59) return undefined;
      offsetMin = (z === 45 ? -1 : 1) * (oh * 60 + om);
    }
    if (offsetMin !== undefined && mo >= 1 && mo <= 12 && d >= 1 && d <= 31) {
      const base = utcCivilMs(y, mo, d, h, mi, sec, frac);
      if (Number.isNaN(base)) return undefined;
      if (offsetMin === 0) {
        lastMinutePrefix = s.slice(0, 16);
        lastMinuteMs = base - sec * 1000 - frac;
      }
      return base - offsetMin * MINUTE_MS;
    }
  }
  return parseIsoWithLuxon(s);
}

function parseIsoWithLuxon(s: string): number | undefined {
  if (s.length > 64) return undefined;
  // luxon truncates fractions to ms; we round, so the fraction is taken off and added back
  const m = /^(.*?T\d\d:\d\d:\d\d)[.,](\d+)(.*)$/.exec(s);
  const core = m ? `${m[1]}${m[3]}` : s;
  const frac = m?.[2] ? fractionDigitsToMs(m[2], 0, m[2].length) : 0;
  // setZone: false with zone utc: an offset in the text is honoured, its absence is an error below
  if (!/(Z|[+-]\d\d(:?\d\d)?)$/i.test(core)) return undefined;
  const dt = DateTime.fromISO(core, { zone: 'utc' });
  return dt.isValid && !Number.isNaN(frac) ? dt.toMillis() + frac : undefined;
}

/**
 * The year (among the window's years and their neighbours) that puts month/day closest to the
 * window: klog and journald write no year, and a window across New Year sees both.
 */
export function yearNearWindow(mo: number, d: number, h: number, window: AnalysisWindow): number {
  const y0 = DateTime.fromMillis(window.fromMs, { zone: 'utc' }).year;
  let best = y0;
  let bestDist = Infinity;
  for (let y = y0 - 1; y <= y0 + 2; y++) {
    const t = utcMinuteMs(y, mo, d, h, 0);
    if (Number.isNaN(t)) continue;
    const dist = t < window.fromMs ? window.fromMs - t : t > window.toMs ? t - window.toMs : 0;
    if (dist < bestDist) {
      bestDist = dist;
      best = y;
    }
  }
  return best;
}

/** Cached {@link yearNearWindow} per window and month/day (the hour cannot move a date by a year). */
export function createYearResolver(window: AnalysisWindow): (mo: number, d: number) => number {
  const cache = new Map<number, number>();
  return (mo, d) => {
    const key = mo * 32 + d;
    let y = cache.get(key);
    if (y === undefined) {
      y = yearNearWindow(mo, d, 12, window);
      cache.set(key, y);
    }
    return y;
  };
}

/** A zone for offset-less wall-clock times: converts "wall clock read as UTC" ms to real UTC ms. */
export interface WallClockZone {
  /** `UTC`, `UTC+09:00`, or an IANA name. */
  name: string;
  toUtcMs(wallMs: number): number;
}

/** `UTC+09:00` / `UTC-04:30` / `UTC` for an offset in minutes. */
export function formatOffset(offsetMin: number): string {
  if (offsetMin === 0) return 'UTC';
  const sign = offsetMin < 0 ? '-' : '+';
  const a = Math.abs(offsetMin);
  return `UTC${sign}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}

export function fixedOffsetZone(offsetMin: number): WallClockZone {
  const shift = offsetMin * MINUTE_MS;
  return { name: formatOffset(offsetMin), toUtcMs: (wallMs) => wallMs - shift };
}

/**
 * A zone from a user-given name (IANA `Europe/Berlin`, `UTC`, `UTC+02:00`), or undefined when luxon
 * does not know it. Offsets of IANA zones are looked up per wall-clock minute (DST changes on them).
 */
export function parseZoneName(name: string): WallClockZone | undefined {
  const zone: Zone | null = Info.normalizeZone(name.trim());
  if (!zone || !zone.isValid) return undefined;
  if (zone instanceof FixedOffsetZone || zone.isUniversal) {
    const off = zone.offset(0);
    return { ...fixedOffsetZone(off), name: zone.name === 'UTC' ? 'UTC' : formatOffset(off) };
  }
  const cache = new Map<number, number>();
  return {
    name: zone.name,
    toUtcMs(wallMs) {
      const minute = Math.floor(wallMs / MINUTE_MS);
      let shift = cache.get(minute);
      if (shift === undefined) {
        const w = DateTime.fromMillis(minute * MINUTE_MS, { zone: 'utc' });
        const local = DateTime.fromObject(
          { year: w.year, month: w.month, day: w.day, hour: w.hour, minute: w.minute },
          { zone },
        );
        shift = local.isValid ? minute * MINUTE_MS - local.toMillis() : 0;
        if (cache.size > 100_000) cache.clear();
        cache.set(minute, shift);
      }
      return wallMs - shift;
    },
  };
}
