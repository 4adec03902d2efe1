/**
 * Zone inference for files whose timestamps carry no zone (journald short format, iostat in the C
 * or en_US locale, klog): the UTC offset that puts the file's wall-clock times inside the analysis
 * window. Offsets are the whole hours from -12 to +14 plus the :30 / :45 offsets zones really use.
 */
import type { AnalysisWindow } from '../../../correlators/signals/index.js';
import { fixedOffsetZone, formatOffset, parseZoneName, type WallClockZone } from './civil-time.js';

const MINUTE_MS = 60_000;
/** Clock skew between hosts and the window edges: timestamps this close to the window still fit. */
const SLACK_MS = 10 * MINUTE_MS;
/** Offsets scoring within 3 % of the best are treated as equally good (a few late lines must not decide). */
const BAND = 0.97;

/** @see https://en.wikipedia.org/wiki/List_of_UTC_offsets */
const FRACTIONAL_OFFSETS_MIN = [-570, -210, 210, 270, 330, 345, 390, 525, 570, 630, 765];
export const CANDIDATE_OFFSETS_MIN: readonly number[] = [
  ...Array.from({ length: 27 }, (_, i) => (i - 12) * 60),
  ...FRACTIONAL_OFFSETS_MIN,
];

/** Wall-clock times of one file (read as UTC), counted per minute: bounded memory for any file size. */
export class WallClockHistogram {
  readonly perMinute = new Map<number, number>();
  total = 0;

  add(wallMs: number): void {
    if (!Number.isFinite(wallMs)) return;
    const m = Math.floor(wallMs / MINUTE_MS);
    this.perMinute.set(m, (this.perMinute.get(m) ?? 0) + 1);
    this.total++;
  }
}

export interface ZoneChoice {
  zone: WallClockZone;
  reason: string;
}

/** The zone given by the user (`--tz`), or an explanation of why it cannot be used. */
export function zoneFromOption(tz: string): ZoneChoice | { error: string } {
  const zone = parseZoneName(tz);
  if (!zone) return { error: `unknown zone "${tz}" given by --tz (expected an IANA name such as Europe/Berlin, or UTC+02:00)` };
  return { zone, reason: 'given by --tz' };
}

/** Chooses the offset under which the most wall-clock times fall inside the window (UTC first on ties). */
export function inferZone(hist: WallClockHistogram, window: AnalysisWindow): ZoneChoice {
  if (hist.total === 0) return { zone: fixedOffsetZone(0), reason: 'assumed UTC: no timestamps to infer the zone from' };
  const lo = window.fromMs - SLACK_MS;
  const hi = window.toMs + SLACK_MS;
  const minutes = [...hist.perMinute.entries()].sort((a, b) => a[0] - b[0]);
  const median = medianWallMs(minutes, hist.total);
  const scores = CANDIDATE_OFFSETS_MIN.map((off) => {
    let n = 0;
    const shift = off * MINUTE_MS;
    for (const [m, c] of minutes) {
      const t = m * MINUTE_MS - shift;
      if (t >= lo && t <= hi) n += c;
    }
    return { off, n };
  });
  const best = Math.max(...scores.map((s) => s.n));
  if (best === 0) {
    return { zone: fixedOffsetZone(0), reason: 'assumed UTC: no UTC offset puts the timestamps inside the analysis window' };
  }
  const centre = (window.fromMs + window.toMs) / 2;
  const inBand = scores.filter((s) => s.n >= best * BAND);
  inBand.sort((a, b) =>
    // UTC when it fits ("the file is already in UTC"), then whole hours (most zones), then the
    // offset that centres the file on the window (logs are collected around an incident)
    rank(a.off) - rank(b.off) ||
    Math.abs(median - a.off * MINUTE_MS - centre) - Math.abs(median - b.off * MINUTE_MS - centre) ||
    Math.abs(a.off) - Math.abs(b.off),
  );
  const off = inBand[0]?.off ?? 0;
  if (off === 0) return { zone: fixedOffsetZone(0), reason: 'UTC: timestamps fit the analysis window' };
  return { zone: fixedOffsetZone(off), reason: `inferred ${formatOffset(off)}: timestamps fit the analysis window` };
}

function rank(off: number): number {
  if (off === 0) return 0;
  return off % 60 === 0 ? 1 : 2;
}

function medianWallMs(sortedMinutes: [number, number][], total: number): number {
  let seen = 0;
  for (const [m, c] of sortedMinutes) {
    seen += c;
    if (seen * 2 >= total) return m * MINUTE_MS;
  }
  return 0;
}
