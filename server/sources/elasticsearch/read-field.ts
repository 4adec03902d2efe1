/** Reading a logical field out of a `_source`, whether the shipper nested objects or kept dotted keys. */
import { DateTime } from 'luxon';

/** `a.b.c` from `{a:{b:{c:1}}}`, `{"a.b":{c:1}}` or `{"a.b.c":1}`; undefined when absent. */
export function readField(source: unknown, path: string | undefined): unknown {
  if (path === undefined || source === null || typeof source !== 'object') return undefined;
  const obj = source as Record<string, unknown>;
  if (path in obj) return obj[path];
  const parts = path.split('.');
  for (let i = parts.length - 1; i > 0; i--) {
    const head = parts.slice(0, i).join('.');
    if (head in obj) return readField(obj[head], parts.slice(i).join('.'));
  }
  return undefined;
}

export function readString(source: unknown, path: string | undefined): string | undefined {
  const v = readField(source, path);
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
}

export function readNumber(source: unknown, path: string | undefined): number | undefined {
  const v = readField(source, path);
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
  return Number.isFinite(n) ? n : undefined;
}

/** Epoch ms of an ISO time (offset-less text read in `zone`) or of epoch-ms numbers; undefined when invalid. */
export function readTimeMs(source: unknown, path: string | undefined, zone: string): number | undefined {
  const v = readField(source, path);
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v !== 'string' || v === '') return undefined;
  const dt = DateTime.fromISO(v, { zone, setZone: false });
  return dt.isValid ? dt.toMillis() : undefined;
}
