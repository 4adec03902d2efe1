/** The parser of every recognised format, by format id (the id shown in SourceReport.format). */
import type { FormatParser } from './line-handler.js';
import { auditParser } from './audit-fold.js';
import { containerLogParser } from './parse-container-log.js';
import { dmesgParser } from './parse-dmesg.js';
import { etcdTextParser } from './parse-etcd-text.js';
import { eventsJsonParser } from './parse-events-json.js';
import { eventsTableParser } from './parse-events-table.js';
import { iostatParser } from './parse-iostat.js';
import { journaldParser } from './parse-journald.js';
import { jsonLogParser } from './parse-json-log-file.js';
import { klogParser } from './parse-klog.js';
import { kubectlLogsParser } from './parse-kubectl-logs.js';
import { openMetricsParser } from './parse-openmetrics.js';
import { queryRangeParser } from './parse-query-range.js';

export const FORMAT_PARSERS: Readonly<Record<string, FormatParser>> = {
  'kube-audit': auditParser,
  'etcd-zap-json': jsonLogParser,
  'json-log': jsonLogParser,
  'etcd-text': etcdTextParser,
  klog: klogParser,
  journald: journaldParser,
  dmesg: dmesgParser,
  coredns: kubectlLogsParser,
  'kubectl-logs': kubectlLogsParser,
  'docker-json': containerLogParser,
  cri: containerLogParser,
  'k8s-events-json': eventsJsonParser,
  'k8s-events-table': eventsTableParser,
  iostat: iostatParser,
  openmetrics: openMetricsParser,
  'prometheus-text': openMetricsParser,
  'prometheus-query-range': queryRangeParser,
};
