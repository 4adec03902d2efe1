/**
 * A live session's log facts, kept from one analysis to the next. Each tick the window's records
 * are mostly those of the last tick: the oldest leave at the head, new ones arrive at the tail
 * (or just before it, when several files interleave). Instead of classifying and grouping every
 * record of the window again, the window finds where the new records differ from the last ones
 * (pointer comparisons) and works only on the difference: facts of records that left are dropped
 * from the groups, records that arrived are classified and added, the scan's counts follow.
 *
 * What it holds is, after every update, what one pass over the records would give
 * (test/correlators/report/log-window.test.ts checks it against that pass).
 */
import { FactGroups, type FactRecord } from '../anomaly/index.js';
import { firstIndex } from '../search.js';
import type { AuditAggregate, AuditSample, LogRecord } from '../signals/index.js';
import { WindowScan, type ScanResult } from './log-scan.js';

/** Work done and reused by the window's updates. */
export interface LogWindowStats {
  /** Records classified (they arrived, or the window lost track of them). */
  classified: number;
  /** Records whose fact was already known. */
  reused: number;
  /** Records that left the window. */
  dropped: number;
  /** Scans of the whole window (two hosts for one etcd member id, two scheduler instances). */
  rescans: number;
}

export interface LogPass {
  groups: FactGroups;
  scan: ScanResult;
  /** The sources of the window's log records. */
  sourceIds: Iterable<string>;
}

export class LogWindow {
  readonly groups = new FactGroups([], 0, { remember: true });
  readonly stats: LogWindowStats = { classified: 0, reused: 0, dropped: 0, rescans: 0 };
  /** The last analysis's records, and each one's fact (null: none), index for index. */
  #logs: readonly LogRecord[] = [];
  #facts: (FactRecord | null)[] = [];
  /** How many of the groups' facts are log facts (the audit facts follow them). */
  #logFacts = 0;
  #scan = new WindowScan(false);

  constructor(private readonly classify: (r: LogRecord) => FactRecord | undefined) {}

  /**
   * The window's records are now `logs` (in the order one pass would visit them) and its audit
   * samples those of `audit`: the groups and scan of exactly these.
   */
  update(logs: readonly LogRecord[], audit: readonly AuditAggregate[], wantScheduler: boolean, auditFactOf: (agg: AuditAggregate, s: AuditSample) => FactRecord | undefined): LogPass {
    const groups = this.groups;
    groups.truncate(this.#logFacts);
    this.#updateLogs(logs);
    // the scan follows the records; asked for other things, or unsure of an order, it reads them all
    if (this.#scan.dirty || this.#scan.wantScheduler !== wantScheduler) this.#rescan(logs, wantScheduler);
    this.#logFacts = groups.facts.length;
    for (const agg of audit) {
      for (const s of agg.samples) {
        const fr = auditFactOf(agg, s);
        if (fr) groups.add(fr);
      }
    }
    return { groups, scan: this.#scan, sourceIds: this.#scan.sourceIds };
  }

  #updateLogs(next: readonly LogRecord[]): void {
    const prev = this.#logs;
    const facts = this.#facts;
    const groups = this.groups;
    const scan = this.#scan;
    // where the new records start among the old: records before the first new one left the window
    let head = prev.length;
    if (next.length > 0) {
      const atMs = next[0]!.atMs;
      head = firstIndex(prev.length, (i) => prev[i]!.atMs >= atMs);
      for (let i = head; i < prev.length && prev[i]!.atMs === next[0]!.atMs; i++) {
        if (prev[i] === next[0]) {
          head = i;
          break;
        }
      }
    }
    // the run both share, from there
    let i = head;
    let j = 0;
    while (i < prev.length && j < next.length && prev[i] === next[j]) {
      i++;
      j++;
    }
    let headFacts = 0;
    for (let k = 0; k < head; k++) {
      if (facts[k]) headFacts++;
      scan.remove(prev[k]!);
    }
    this.stats.dropped += head;
    // after the shared run the two differ (records arrived between old ones, or old ones went):
    // the old rest is taken out of the groups and the new rest put in, each record's fact looked
    // up among the old rest before it is classified
    let rest: Map<LogRecord, FactRecord | null> | undefined;
    if (i < prev.length) {
      rest = new Map();
      let restFacts = 0;
      for (let k = i; k < prev.length; k++) {
        rest.set(prev[k]!, facts[k]!);
        if (facts[k]) restFacts++;
      }
      groups.truncate(groups.facts.length - restFacts);
    }
    groups.dropFirst(headFacts);
    const kept = facts.slice(head, i);
    this.stats.reused += i - head;
    for (let k = j; k < next.length; k++) {
      const r = next[k]!;
      let fr: FactRecord | null | undefined = rest?.get(r);
      if (fr !== undefined) {
        rest!.delete(r);
        this.stats.reused++;
      } else {
        fr = this.classify(r) ?? null;
        scan.add(r);
        this.stats.classified++;
      }
      kept.push(fr);
      if (fr) groups.add(fr);
    }
    if (rest) {
      for (const r of rest.keys()) scan.remove(r);
      this.stats.dropped += rest.size;
    }
    this.#logs = next;
    this.#facts = kept;
  }

  #rescan(logs: readonly LogRecord[], wantScheduler: boolean): void {
    const scan = new WindowScan(wantScheduler);
    for (const r of logs) scan.add(r);
    // read in order, first appearances are the records' own
    scan.settle();
    this.#scan = scan;
    this.stats.rescans++;
  }
}
