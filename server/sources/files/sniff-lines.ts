/** What one line looks like, for the sniffer's vote. */
import { isCorednsLine, isKubectlLogsLine, KUBECTL_TS_RE } from './parse-coredns.js';
import { isCriLine, isDockerJsonLine } from './parse-container-log.js';
import { isDmesgLine, isDmesgMonotonicLine } from './parse-dmesg.js';
import { isEtcdTextLine } from './parse-etcd-text.js';
import { isEventsTableHeader } from './parse-events-table.js';
import { isIostatHeader } from './parse-iostat.js';
import { isJournaldLine, isJournalMarker } from './parse-journald.js';
import { isKlogLine } from './parse-klog.js';
import { isMetricLine } from './parse-openmetrics.js';

/** A format id, `neutral` for lines that say nothing (journal markers, comments), or undefined. */
export function classifyLine(line: string): string | undefined {
  const c = line.charCodeAt(0);
  if (c === 123) {
    if (line.includes('"audit.k8s.io/') && (line.includes('"stageTimestamp"') || line.includes('"auditID"'))) return 'kube-audit';
    if (isDockerJsonLine(line)) return 'docker-json';
    if ((line.includes('"msg":') || line.includes('"message":')) && (line.includes('"ts":') || line.includes('"level":') || line.includes('"time":'))) return 'json-log';
    return undefined;
  }
  if (isIostatHeader(line) || line.startsWith('avg-cpu:')) return 'iostat';
  if (isEventsTableHeader(line)) return 'k8s-events-table';
  if (isJournalMarker(line)) return 'neutral';
  if (c >= 48 && c <= 57) {
    if (isCriLine(line)) return 'cri';
    const ts = KUBECTL_TS_RE.exec(line);
    if (ts) {
      const rest = line.slice(ts[0].length);
      if (isKlogLine(rest) || rest.startsWith('{') || isCorednsLine(rest)) return isCorednsLine(rest) ? 'coredns' : 'kubectl-logs';
      if (isJournaldLine(line)) return 'journald';
      return 'kubectl-logs';
    }
    if (isEtcdTextLine(line)) return 'etcd-text';
  }
  if (isKlogLine(line)) return 'klog';
  if (isJournaldLine(line)) return 'journald';
  if (isKubectlLogsLine(line)) return 'kubectl-logs';
  if (isCorednsLine(line)) return 'coredns';
  if (isDmesgLine(line)) return 'dmesg';
  if (isDmesgMonotonicLine(line)) return 'dmesg-monotonic';
  if (c === 35 && !isMetricLine(line)) return 'neutral';
  if (isMetricLine(line)) return 'openmetrics';
  return undefined;
}

/** Lines that continue a record (Trace steps, indented text): they do not count against a format. */
export function isContinuationLike(line: string): boolean {
  const c = line.charCodeAt(0);
  return c === 32 || c === 9 || line.startsWith('Trace[') || line.startsWith('goroutine ');
}
