/**
 * What a growing file's last lines may still lack: an iostat report is complete only once the next
 * report's timestamp line is written, an OpenMetrics scrape once a later timestamp follows. Those
 * lines are held back until then (or until the file has been quiet for a tick). Pure.
 */
import type { AnalysisWindow } from '../../correlators/signals/index.js';
import { parseIostatTimestamp } from '../sources/files/parse-iostat.js';
import type { LiveReadMode } from './parse-appended.js';
import type { TailLine } from './tail-file.js';

/** Splits `lines` into those that end complete records (`feed`) and the unfinished rest (`hold`). */
export function splitCompleteRecords(lines: TailLine[], mode: LiveReadMode, format: string, window: AnalysisWindow): { feed: TailLine[]; hold: TailLine[] } {
  let cut = lines.length;
  if (mode === 'blocks') {
    // iostat: a report ends where the next timestamp line starts
    for (let i = lines.length - 1; i >= 0; i--) {
      if (isIostatStamp(lines[i]!.text, window)) {
        cut = i;
        break;
      }
    }
  } else if ((format === 'openmetrics' || format === 'prometheus-text') && lines.length > 0) {
    // the samples of the last timestamp (and the comments before them) wait for a later one
    const stamp = trailingStamp(lines[lines.length - 1]!.text);
    if (stamp !== undefined) {
      while (cut > 0 && (trailingStamp(lines[cut - 1]!.text) === stamp || lines[cut - 1]!.text.startsWith('#'))) cut--;
    }
  }
  return { feed: lines.slice(0, cut), hold: lines.slice(cut) };
}

export function isIostatStamp(text: string, window: AnalysisWindow): boolean {
  const c = text.charCodeAt(0);
  return c >= 48 && c <= 57 && parseIostatTimestamp(text, window) !== undefined;
}

/** The timestamp token at the end of an OpenMetrics sample line, if it has one. */
export function trailingStamp(text: string): string | undefined {
  if (text.startsWith('#')) return undefined;
  const hash = text.indexOf(' # ');
  const body = hash >= 0 ? text.slice(0, hash) : text;
  const parts = body.trimEnd().split(/\s+/);
  return parts.length >= 3 ? parts[parts.length - 1] : undefined;
}
