/**
 * `kubectl get events [-A] [-o wide]` table text. Columns are found by their header names (kubectl's
 * tabwriter aligns every row to them). Times are relative ages (`3m2s`, `5m (x3 over 20m)`) from
 * the moment kubectl ran, which the file does not record (its mtime is unreliable: bundles are
 * copied); they are anchored to the window end, and the report says so.
 * @see https://github.com/kubernetes/kubernetes/blob/master/pkg/printers/internalversion/printers.go (printEvent)
 */
import { counted, wasWere, type FileContext, type RecordFields } from './file-context.js';
import type { FormatParser, LineHandler } from './line-handler.js';
import { PendingRecord } from './pending-record.js';

const COLUMNS = ['NAMESPACE', 'LAST SEEN', 'FIRST SEEN', 'TYPE', 'REASON', 'OBJECT', 'SUBOBJECT', 'SOURCE', 'MESSAGE', 'COUNT', 'NAME', 'KIND'];
// Two linear tests: `LAST SEEN\s+.*\bREASON\b` in one regex backtracks quadratically on a long run of blanks (found by fuzzing)
const HEADER_START_RE = /^(?:NAMESPACE\s+)?LAST SEEN\s/;
const REASON_RE = /\bREASON\b/;
const AGE_RE = /^(?:(\d+)y)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;
const KINDS: Record<string, string> = {
  pod: 'Pod', node: 'Node', deployment: 'Deployment', replicaset: 'ReplicaSet', statefulset: 'StatefulSet',
  daemonset: 'DaemonSet', job: 'Job', cronjob: 'CronJob', service: 'Service', endpoints: 'Endpoints',
  persistentvolumeclaim: 'PersistentVolumeClaim', persistentvolume: 'PersistentVolume', lease: 'Lease',
  horizontalpodautoscaler: 'HorizontalPodAutoscaler', namespace: 'Namespace', configmap: 'ConfigMap',
};

export function isEventsTableHeader(text: string): boolean {
  const start = HEADER_START_RE.exec(text);
  return start !== null && REASON_RE.test(text.slice(start[0].length));
}

/** kubectl's HumanDuration (`3m2s`, `5h`, `2d3h`, `3y45d`) in ms; undefined for `<unknown>` and the like. */
export function parseAgeMs(text: string): number | undefined {
  const m = AGE_RE.exec(text);
  if (!m || text === '') return undefined;
  const [y, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5]].map((x) => Number(x ?? 0)) as [number, number, number, number, number];
  return ((((y * 365 + d) * 24 + h) * 60 + mi) * 60 + s) * 1000;
}

interface Column {
  name: string;
  start: number;
}

function columnsOf(header: string): Column[] {
  const cols: Column[] = [];
  for (const name of COLUMNS) {
    const re = new RegExp(`(^|\\s)${name}(\\s|$)`);
    const m = re.exec(header);
    if (m) cols.push({ name, start: m.index + (m[1] ? 1 : 0) });
  }
  return cols.sort((a, b) => a.start - b.start);
}

function createEventsTableHandler(ctx: FileContext): LineHandler {
  const anchorMs = ctx.window.toMs;
  ctx.zone = {
    zone: { name: 'relative to the window end', toUtcMs: (ms) => ms },
    reason: 'relative ages (LAST SEEN) anchored to the window end: the time kubectl ran is not in the file',
  };
  const pending = new PendingRecord(ctx, true);
  let cols: Column[] | undefined;
  let untimed = 0;
  return {
    line(text, lineNo) {
      if (!text.trim()) return;
      if (isEventsTableHeader(text)) {
        pending.flush();
        cols = columnsOf(text);
        return;
      }
      if (!cols) return ctx.bad(lineNo, 'row before the table header', text);
      const v: Record<string, string> = {};
      cols.forEach((c, i) => {
        const next = cols?.[i + 1];
        v[c.name] = text.slice(c.start, next ? next.start : undefined).trim();
      });
      const seen = /^(\S+)(?: \(x(\d+) over (\S+)\))?$/.exec(v['LAST SEEN'] ?? '');
      const lastAge = seen?.[1] ? parseAgeMs(seen[1]) : undefined;
      if (lastAge === undefined) {
        // kubectl prints `<unknown>` for an event without any time: a row, but nothing places it
        if (v.TYPE === 'Normal' || v.TYPE === 'Warning') {
          untimed++;
          return;
        }
        // a message with a newline wraps onto lines of its own
        if (!pending.append(text.trim())) ctx.bad(lineNo, `invalid LAST SEEN "${(v['LAST SEEN'] ?? '').slice(0, 40)}"`, text);
        return;
      }
      const firstAge = seen?.[3] ? parseAgeMs(seen[3]) : v['FIRST SEEN'] ? parseAgeMs(v['FIRST SEEN']) : undefined;
      const count = seen?.[2] ? Number(seen[2]) : v.COUNT ? Number(v.COUNT) : undefined;
      const object = v.OBJECT ?? (v.KIND && v.NAME ? `${v.KIND}/${v.NAME}` : '');
      const slash = object.indexOf('/');
      const rawKind = slash > 0 ? object.slice(0, slash) : '';
      const kind = KINDS[rawKind.toLowerCase()] ?? (rawKind ? rawKind[0]!.toUpperCase() + rawKind.slice(1) : undefined);
      const name = slash > 0 ? object.slice(slash + 1) : object || undefined;
      const fields: RecordFields = {};
      if (v.REASON) fields.reason = v.REASON;
      if (v.TYPE) fields.type = v.TYPE;
      if (kind) fields.objectKind = kind;
      if (name) fields.objectName = name;
      if (v.NAMESPACE) fields.namespace = v.NAMESPACE;
      if (count !== undefined && Number.isFinite(count)) fields.count = count;
      fields.lastMs = anchorMs - lastAge;
      // SOURCE is `component, host` (kubelet) or `component`
      const [srcComponent, srcHost] = (v.SOURCE ?? '').split(',').map((s) => s.trim());
      if (srcComponent) fields.sourceComponent = srcComponent;
      const host = srcHost || (kind === 'Node' ? name : undefined);
      if (host) fields.host = host;
      const atMs = anchorMs - (firstAge ?? lastAge);
      const severity = v.TYPE === 'Warning' ? 'warn' : 'info';
      pending.hold(ctx.record(lineNo, text, atMs, 'events', severity, v.MESSAGE ?? '', fields, host));
    },
    end() {
      pending.end();
      if (untimed > 0) ctx.limit(`${counted(untimed, 'event', 'events')} without a time (LAST SEEN <unknown>) ${wasWere(untimed)} skipped`);
    },
  };
}

export const eventsTableParser: FormatParser = { zone: 'none', lines: createEventsTableHandler };
