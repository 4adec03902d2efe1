/**
 * The last record of a text log, held until the next header line: multi-line output (`Trace[123]:`
 * steps, klog multi-line values, Go panics) belongs to it and is appended to its message.
 */
import type { LogRecord } from '../../../correlators/signals/index.js';
import { counted, type FileContext } from './file-context.js';

/** Continuation lines stop being appended past this message length. */
export const MAX_MESSAGE_CHARS = 4000;

export class PendingRecord {
  private rec: LogRecord | undefined;
  private key: string | undefined;
  private truncated = 0;

  /** `keepEarlier`: records before the window are kept however old (Events). */
  constructor(private readonly ctx: FileContext, private readonly keepEarlier = false) {}

  /** Emits the held record and holds `r`; `key` scopes continuations (journald: host + pid). */
  hold(r: LogRecord, key?: string): void {
    this.flush();
    this.rec = r;
    this.key = key;
  }

  /** Appends a continuation line; false when there is no record to append to. */
  append(text: string, key?: string): boolean {
    const r = this.rec;
    if (!r || (key !== undefined && key !== this.key)) return false;
    if (r.message.length + text.length + 1 > MAX_MESSAGE_CHARS) this.truncated++;
    else r.message += `\n${text}`;
    return true;
  }

  flush(): void {
    if (this.rec) this.ctx.addLog(this.rec, this.keepEarlier);
    this.rec = undefined;
  }

  end(): void {
    this.flush();
    if (this.truncated > 0) this.ctx.limit(`${counted(this.truncated, 'continuation line', 'continuation lines')} not appended: message longer than ${MAX_MESSAGE_CHARS} characters`);
  }
}

/** Free-text lines that continue the previous record rather than start one. */
export function isContinuation(text: string): boolean {
  const c = text.charCodeAt(0);
  return c === 32 || c === 9 || text.startsWith('Trace[') || text.startsWith('goroutine ');
}
