/**
 * What topology and coverage read from the log records: the components that wrote, the etcd
 * hosts, each etcd member id's host, the scheduler instances. {@link LogScan} gathers it in the
 * one pass over the records that also classifies them; {@link WindowScan} keeps it for a live
 * window whose records come and go.
 */
import type { LogRecord } from '../signals/index.js';

/** What the scans give topology and coverage. */
export interface ScanResult {
  readonly components: ReadonlySet<string>;
  readonly etcdHosts: ReadonlySet<string>;
  /** Member id -> host: the host of the first record (in the records' order) that names the id. */
  readonly memberHosts: Readonly<Record<string, string>>;
  /** Scheduler instances (`default-scheduler-NODE`) in order of first appearance, when asked for. */
  readonly schedulerNodes: readonly string[];
}

/** The member id an etcd record states as its own (`local-member-id`). */
function localMemberId(r: LogRecord): string | undefined {
  const local = r.fields['local-member-id'];
  return typeof local === 'string' && /^[0-9a-f]{8,16}$/.test(local) ? local : undefined;
}

/** Raft lines start with the writer's own member id: "8e9e05c52164694d became follower at term 3". */
function raftMemberId(r: LogRecord): string | undefined {
  const c0 = r.message.charCodeAt(0);
  if (!((c0 >= 48 && c0 <= 57) || (c0 >= 97 && c0 <= 102) || c0 === 114)) return undefined;
  return /^(?:raft\.node: )?([0-9a-f]{16}) (?:became|is starting|received|\[|has received|elected|lost|changed)/.exec(r.message)?.[1];
}

/** The node of a scheduler instance a record names. */
function schedulerNode(r: LogRecord): string | undefined {
  // field values are strings, numbers or booleans: only a string can name the scheduler
  const inst = r.fields['reportingInstance'] ?? r.host;
  if (typeof inst !== 'string' || !inst.startsWith('default-scheduler-')) return undefined;
  return /^default-scheduler-(.+)$/.exec(inst)?.[1] || undefined;
}

/** One analysis's records, scanned once in their order. */
export class LogScan implements ScanResult {
  readonly components = new Set<string>();
  readonly etcdHosts = new Set<string>();
  readonly memberHosts: Record<string, string> = {};
  readonly schedulerNodes: string[] = [];
  #lastComponent: string | undefined;

  constructor(readonly wantScheduler: boolean) {}

  add(r: LogRecord): void {
    if (r.component !== this.#lastComponent) this.components.add((this.#lastComponent = r.component));
    if (r.component === 'etcd' && r.host) {
      const host = r.host;
      this.etcdHosts.add(host);
      const local = localMemberId(r);
      if (local) this.memberHosts[local] ??= host;
      const raft = raftMemberId(r);
      if (raft) this.memberHosts[raft] ??= host;
    }
    if (this.wantScheduler) {
      const node = schedulerNode(r);
      if (node && !this.schedulerNodes.includes(node)) this.schedulerNodes.push(node);
    }
  }
}

function bump(m: Map<string, number>, k: string, by: number): void {
  const n = (m.get(k) ?? 0) + by;
  if (n > 0) m.set(k, n);
  else m.delete(k);
}

/**
 * A sliding window's scan: records are added and removed, and the result is what a {@link LogScan}
 * of the records now in the window gives. Counts make it exact for sets. First appearance only
 * matters when two records disagree (a member id on two hosts, two scheduler instances): then
 * the scan says it is {@link dirty} and the caller scans the window again.
 */
export class WindowScan implements ScanResult {
  readonly #components = new Map<string, number>();
  readonly #etcdHosts = new Map<string, number>();
  readonly #sources = new Map<string, number>();
  /** Member id -> host -> records. */
  readonly #members = new Map<string, Map<string, number>>();
  readonly #scheduler = new Map<string, number>();
  readonly memberHosts: Record<string, string> = {};
  schedulerNodes: string[] = [];
  #dirty = false;

  constructor(readonly wantScheduler: boolean) {}

  get components(): ReadonlySet<string> {
    return new Set(this.#components.keys());
  }

  get etcdHosts(): ReadonlySet<string> {
    return new Set(this.#etcdHosts.keys());
  }

  /** The sources of the records in the window. */
  get sourceIds(): IterableIterator<string> {
    return this.#sources.keys();
  }

  /** Whether first appearances decide something the counts cannot: scan the window again. */
  get dirty(): boolean {
    return this.#dirty;
  }

  /** After a scan of the whole window in its order: what it holds is exact again. */
  settle(): void {
    this.#dirty = false;
  }

  add(r: LogRecord): void {
    this.#change(r, 1);
  }

  remove(r: LogRecord): void {
    this.#change(r, -1);
  }

  #change(r: LogRecord, by: 1 | -1): void {
    bump(this.#sources, r.sourceId, by);
    bump(this.#components, r.component, by);
    if (r.component === 'etcd' && r.host) {
      bump(this.#etcdHosts, r.host, by);
      const local = localMemberId(r);
      if (local) this.#member(local, r.host, by);
      const raft = raftMemberId(r);
      if (raft) this.#member(raft, r.host, by);
    }
    if (this.wantScheduler) {
      const node = schedulerNode(r);
      if (node) this.#schedulerNode(node, by);
    }
  }

  #member(id: string, host: string, by: 1 | -1): void {
    let hosts = this.#members.get(id);
    if (!hosts) this.#members.set(id, (hosts = new Map()));
    bump(hosts, host, by);
    if (hosts.size === 0) {
      this.#members.delete(id);
      delete this.memberHosts[id];
    } else if (hosts.size === 1) this.memberHosts[id] = hosts.keys().next().value!;
    // two hosts for one id: which came first depends on where the record sits
    else this.#dirty = true;
  }

  #schedulerNode(node: string, by: 1 | -1): void {
    bump(this.#scheduler, node, by);
    const present = this.#scheduler.has(node);
    const listed = this.schedulerNodes.includes(node);
    if (present && !listed) this.schedulerNodes.push(node);
    else if (!present && listed) this.schedulerNodes = this.schedulerNodes.filter((n) => n !== node);
    // with two instances, their order is their first appearance, which this change may move
    if (this.#scheduler.size > 1) this.#dirty = true;
  }
}
