/**
 * Turns one normalised log record (any component, any format) into a Fact, or undefined when the
 * line says nothing we reason about. The rules match the messages the real components write;
 * each cites where the message comes from. Pure and cheap: sources call it while streaming to
 * decide which records to keep.
 */
import type { LogRecord } from './types.js';
import type { Fact } from './facts.js';
import { parseGoDurationMs } from './go-duration.js';

/**
 * A rule reads either the record (`fact`: a duration or a peer in the fields) or only the message
 * text (`text`): the fact of a text rule is the same for every line with that text, so it is made
 * once per text and shared (facts are never changed after they are made).
 */
type Rule = { re: RegExp } & ({ fact: (r: LogRecord, m: RegExpExecArray) => Fact | undefined; text?: never } | { text: (message: string, m: RegExpExecArray) => Fact | undefined; fact?: never });

const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : typeof v === 'string' ? parseGoDurationMs(v) : undefined);
const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));

/**
 * etcd (v3.5 zap messages; v3.4 capnslog text carries the same words).
 * @see https://github.com/etcd-io/etcd/blob/release-3.5/server/storage/wal/wal.go ("slow fdatasync")
 * @see https://github.com/etcd-io/etcd/pull/9761 (heartbeat and apply warnings)
 */
const ETCD: Rule[] = [
  { re: /slow fdatasync|sync duration of .* expected less than/i, fact: (r) => ({ key: 'etcd-wal-fsync-slow', valueMs: num(r.fields['took']) ?? durationIn(r.message) }) },
  {
    re: /apply request took too long|apply entries took too long|read-only range request .* took too long|request stats|range request took too long/i,
    fact: (r) => {
      const err = str(r.fields['error']);
      if (/no space|database space exceeded/i.test(err)) return { key: 'etcd-db-space-exceeded' };
      return { key: 'etcd-request-slow', valueMs: num(r.fields['took']) ?? durationIn(r.message) };
    },
  },
  { re: /waiting for ReadIndex response took too long|timed out waiting for read index response/i, fact: (r) => ({ key: 'etcd-request-slow', valueMs: num(r.fields['waited-duration']), detail: { kind: 'read-index' } }) },
  { re: /failed to send out heartbeat on time/i, fact: (r) => ({ key: 'etcd-heartbeat-late', valueMs: num(r.fields['exceeded-duration']) ?? durationIn(r.message), detail: { to: str(r.fields['to']) } }) },
  { re: /prober found high clock drift|clock difference against peer .* is too high/i, fact: (r) => ({ key: 'etcd-clock-drift', valueMs: num(r.fields['clock-drift']) ?? durationIn(r.message), detail: { peer: str(r.fields['remote-peer-id']) } }) },
  {
    re: /prober detected unhealthy status|lost TCP streaming connection|peer became inactive|dropped internal Raft message since sending buffer is full|failed to heartbeat .* on stream|lost the tcp streaming connection/i,
    fact: (r) => ({ key: 'etcd-peer-rtt-high', valueMs: num(r.fields['rtt']), detail: { peer: str(r.fields['remote-peer-id'] || r.fields['peer-id'] || r.fields['remote-peer']) } }),
  },
  { re: /alarm raised|exceeded backend quota|database space exceeded|NOSPACE/i, text: () => ({ key: 'etcd-db-space-exceeded' }) },
  { re: /elected leader|became leader at term|lost leader|is starting a new election|changed leader from|no leader at term/i, text: (_, m) => ({ key: 'etcd-leader-election', detail: { phase: m[0].toLowerCase() } }) },
  { re: /finished scheduled compaction/i, fact: (r) => ({ key: 'etcd-compaction', valueMs: num(r.fields['took']) }) },
  { re: /finished defragment|starting defragment|defragmenting|finished defragmenting directory/i, text: (_, m) => ({ key: 'etcd-defrag', detail: { phase: m[0].toLowerCase() } }) },
  { re: /triggering snapshot|saved snapshot|sending database snapshot to client|successfully sent database snapshot/i, text: (_, m) => ({ key: 'etcd-snapshot', detail: { phase: m[0].toLowerCase() } }) },
];

/**
 * kube-apiserver klog and its embedded etcd-client JSON lines.
 * @see https://github.com/kubernetes/kubernetes/issues/128509 (Handler timeout, retrying of unary invoker failed)
 */
const APISERVER: Rule[] = [
  { re: /database space exceeded/i, text: () => ({ key: 'apiserver-errors', detail: { cls: 'nospace' } }) },
  { re: /etcdserver: leader changed/i, text: () => ({ key: 'apiserver-errors', detail: { cls: 'leader-changed' } }) },
  { re: /Failed calling webhook|failed calling webhook|admission webhook .* denied|context deadline exceeded.*webhook|webhook.*context deadline exceeded/i, text: (msg) => ({ key: 'admission-webhook-slow', detail: { webhook: webhookName(msg) } }) },
  { re: /etcdserver: request timed out|retrying of unary invoker failed|DeadlineExceeded desc = context deadline exceeded/i, text: () => ({ key: 'apiserver-errors', detail: { cls: 'timeout' } }) },
  { re: /Handler timeout|timeout or abort while handling|post-timeout activity/i, text: () => ({ key: 'apiserver-errors', detail: { cls: 'handler-timeout' } }) },
  { re: /too old resource version|Terminating all watchers from cacher|Forcing watcher close due to unresponsiveness/i, text: () => ({ key: 'apiserver-relist-storm' }) },
  { re: /^Trace\[\d+\]:/, text: (msg) => traceFact(msg) },
  { re: /^Version: v\d|external host was not specified|Serving securely on|"Starting Kubernetes API server"/i, text: () => ({ key: 'apiserver-restart' }) },
];

/**
 * kube-controller-manager / kube-scheduler (client-go leader election, client-side throttling).
 * @see https://github.com/kubernetes/kubernetes/issues/82960 ("Failed to update lock: etcdserver: request timed out")
 * @see https://github.com/rancher/rancher/issues/8457 ("failed to renew lease ... leaderelection lost")
 */
const CONTROLLERS: Rule[] = [
  { re: /failed to renew lease|leaderelection lost|Failed to update lock|error retrieving resource lock|lost lease|stopped leading/i, text: () => ({ key: 'controller-lease-lost' }) },
  { re: /successfully acquired lease/i, text: () => ({ key: 'lease-acquired' }) },
  { re: /Waited for (\S+) due to client-side throttling/i, text: (_, m) => ({ key: 'client-throttling', valueMs: parseGoDurationMs(m[1]) }) },
  { re: /status="NodeNotReady"|status is now: NodeNotReady/i, fact: (r) => ({ key: 'node-not-ready', detail: { node: str(r.fields['node']) } }) },
  { re: /too old resource version|watch of .* ended with: .*too old/i, text: () => ({ key: 'apiserver-relist-storm' }) },
  { re: /"Event occurred".*reason="ScalingReplicaSet"/, text: () => ({ key: 'rollout' }) },
];

/** kubelet (journald). */
const KUBELET: Rule[] = [
  { re: /Eviction manager: pod is evicted successfully|Eviction manager: pods successfully cleaned up|evicted pod/i, fact: (r) => ({ key: 'pod-evicted', detail: { pod: str(r.fields['pod']) } }) },
  { re: /Eviction manager: attempting to reclaim|must evict pod\(s\) to reclaim|eviction manager: .* memory/i, text: (msg) => (/memory/i.test(msg) ? { key: 'memory-pressure' } : undefined) },
  { re: /ErrImagePull|ImagePullBackOff|Failed to pull image|PullImage from image service failed|Back-off pulling image/i, text: () => ({ key: 'image-pull-backoff' }) },
  { re: /failed to allocate for range|no IP addresses available|ipam|range set .* exhausted|failed to assign an IP/i, text: () => ({ key: 'ipam-exhaustion' }) },
  { re: /Error updating node status|Unable to update node status|Failed to update lease|failed to ensure lease exists/i, text: (msg) => ({ key: 'node-status-update-failed', detail: { err: errClass(msg) } }) },
  { re: /Housekeeping took longer than expected/i, fact: (r) => ({ key: 'kubelet-slow', valueMs: num(r.fields['actual']) }) },
  { re: /"Kubelet version"|Starting kubelet main sync loop/i, text: () => ({ key: 'kubelet-restart' }) },
  { re: /CrashLoopBackOff/i, text: (msg) => ({ key: 'crashloop', detail: { container: /for \\?"([\w-]+)\\?" with CrashLoopBackOff/.exec(msg)?.[1] ?? '' } }) },
  { re: /too old resource version/i, text: () => ({ key: 'apiserver-relist-storm' }) },
];

/** Kernel (journalctl -k / dmesg). */
const KERNEL: Rule[] = [
  { re: /Memory cgroup out of memory: Killed process \d+ \(([^)]+)\)/, text: (_, m) => ({ key: 'oom-kill-cgroup', detail: { process: m[1] ?? '' } }) },
  { re: /Out of memory: Killed process \d+ \(([^)]+)\)|Out of memory: Kill process \d+ \(([^)]+)\)/, text: (_, m) => ({ key: 'oom-kill-system', detail: { process: m[1] ?? m[2] ?? '' } }) },
];

/** CoreDNS: plugin/errors lines are failed upstream lookups; health check latency. */
const COREDNS: Rule[] = [
  { re: /\[ERROR\] plugin\/errors|SERVFAIL|i\/o timeout|plugin\/health: .* took more than/i, text: () => ({ key: 'dns-failures' }) },
];

/** Kubernetes Event objects, by reason first, then message. */
function eventFact(r: LogRecord): Fact | undefined {
  const reason = str(r.fields['reason']);
  const msg = r.message;
  const objectKind = str(r.fields['objectKind']);
  const objectName = str(r.fields['objectName']);
  switch (reason) {
    case 'NodeNotReady':
      return { key: 'node-not-ready', detail: { node: objectName } };
    case 'NodeReady':
      return { key: 'node-ready', detail: { node: objectName } };
    case 'Evicted':
      return { key: 'pod-evicted', detail: { pod: `${str(r.fields['namespace'])}/${objectName}` } };
    case 'NodeHasInsufficientMemory':
    case 'EvictionThresholdMet':
      return /memory/i.test(msg) || reason === 'NodeHasInsufficientMemory' ? { key: 'memory-pressure', detail: { node: objectName } } : undefined;
    case 'SystemOOM':
      return { key: 'oom-kill-system', detail: { node: objectName } };
    case 'FailedScheduling':
      return { key: 'pods-pending', detail: { pod: objectName } };
    case 'ErrImagePull':
    case 'ImagePullBackOff':
      return { key: 'image-pull-backoff', detail: { pod: objectName } };
    case 'Failed':
    case 'BackOff':
      if (/pull(ing)? image|ErrImagePull|ImagePullBackOff/i.test(msg)) return { key: 'image-pull-backoff', detail: { pod: objectName } };
      if (/Back-off restarting failed container/i.test(msg)) return { key: 'crashloop', detail: { pod: objectName } };
      return undefined;
    case 'FailedCreatePodSandBox':
      return /allocate|IP address|ipam|range/i.test(msg) ? { key: 'ipam-exhaustion', detail: { pod: objectName } } : undefined;
    case 'Unhealthy':
      return { key: 'probe-failed', detail: { pod: objectName } };
    case 'Scheduled':
      return { key: 'pod-scheduled', detail: { pod: objectName } };
    case 'ScalingReplicaSet':
      return { key: 'rollout', detail: { object: objectName } };
    case 'LeaderElection':
      return /stopped leading|lost/i.test(msg) ? { key: 'controller-lease-lost' } : { key: 'lease-acquired' };
    default:
      break;
  }
  if (/database space exceeded/i.test(msg)) return { key: 'apiserver-errors', detail: { cls: 'nospace' } };
  if (/failed calling webhook/i.test(msg)) return { key: 'admission-webhook-slow', detail: { webhook: webhookName(msg) } };
  if (objectKind === 'Pod' && /Killing|Started/.test(reason) && /^kube-apiserver-/.test(objectName)) return { key: 'apiserver-restart', detail: { pod: objectName } };
  return undefined;
}

function traceFact(message: string): Fact | undefined {
  // "Trace[123]: [1.389777631s] [1.389777631s] END" is on a continuation line of the same record.
  const m = /\(total time: (\d+(?:\.\d+)?)ms\)/.exec(message) ?? /\[(\d+(?:\.\d+)?(?:ms|s|m))\] \[[^\]]+\] END/.exec(message);
  const totalMs = m?.[1] !== undefined ? (m[0].includes('total time') ? Number(m[1]) : parseGoDurationMs(m[1])) : undefined;
  if (totalMs === undefined || totalMs < 500) return undefined;
  if (/database space exceeded/.test(message)) return { key: 'apiserver-errors', valueMs: totalMs, detail: { cls: 'nospace' } };
  const verb = /verb:(\w+)/.exec(message)?.[1] ?? '';
  return { key: 'apiserver-latency-high', valueMs: totalMs, detail: { verb, etcd: /etcd3|Txn call/.test(message) ? 'yes' : 'no' } };
}

function durationIn(text: string): number | undefined {
  const m = /took (?:too long )?\(?(\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m))/.exec(text);
  return m?.[1] ? parseGoDurationMs(m[1]) : undefined;
}

function webhookName(text: string): string {
  return /webhook,? (?:failing (?:open|closed) )?"?([\w.-]+\.[\w.-]+)"?/.exec(text)?.[1] ?? /webhook "([^"]+)"/.exec(text)?.[1] ?? '';
}

function errClass(text: string): string {
  if (/database space exceeded/i.test(text)) return 'nospace';
  if (/leader changed/i.test(text)) return 'leader-changed';
  if (/object has been modified/i.test(text)) return 'conflict';
  if (/timeout|timed out|deadline exceeded/i.test(text)) return 'timeout';
  return 'other';
}

/**
 * The rules of a list that match one message text, as far as they have been tried: structured
 * loggers (etcd's zap, klog's structured lines) repeat the same message text with the values in
 * fields, so a message is scanned by the regexes once, not once per line (profiled: issue 6,
 * classification was the largest item of a 100,000-line analysis). Bounded: past MESSAGES_KEPT
 * texts per rule list new texts are scanned every time.
 */
interface MessageMatches {
  /** The rules that matched, in order; a text rule's fact once made (null: it made none). */
  matches: { rule: Rule; m: RegExpExecArray; fact?: Fact | null }[];
  /** Index of the first rule not tried yet. */
  next: number;
}
const MESSAGES_KEPT = 10_000;
const byRules = new Map<Rule[], Map<string, MessageMatches>>();

function factOf(match: MessageMatches['matches'][number], r: LogRecord): Fact | undefined {
  const { rule, m } = match;
  if (rule.fact) return rule.fact(r, m);
  if (match.fact === undefined) match.fact = rule.text(r.message, m) ?? null;
  return match.fact ?? undefined;
}

function apply(rules: Rule[], r: LogRecord): Fact | undefined {
  let seen = byRules.get(rules);
  if (!seen) byRules.set(rules, (seen = new Map()));
  let entry = seen.get(r.message);
  if (!entry) {
    entry = { matches: [], next: 0 };
    if (seen.size < MESSAGES_KEPT) seen.set(r.message, entry);
  }
  // the first rule that matches and makes a fact of this record, in the rules' order
  for (const match of entry.matches) {
    const f = factOf(match, r);
    if (f) return f;
  }
  while (entry.next < rules.length) {
    const rule = rules[entry.next++]!;
    const m = rule.re.exec(r.message);
    if (!m) continue;
    const match = { rule, m };
    entry.matches.push(match);
    const f = factOf(match, r);
    if (f) return f;
  }
  return undefined;
}

/** The fact a log record states, or undefined. */
export function classifyLog(r: LogRecord): Fact | undefined {
  switch (r.component) {
    case 'etcd':
      return apply(ETCD, r);
    case 'kube-apiserver':
      return apply(APISERVER, r);
    case 'kube-controller-manager':
    case 'kube-scheduler':
      return apply(CONTROLLERS, r);
    case 'kubelet':
      return apply(KUBELET, r);
    case 'kernel':
      return apply(KERNEL, r);
    case 'coredns':
      return apply(COREDNS, r);
    case 'events':
      return eventFact(r);
    default:
      return apply(ETCD, r) ?? apply(APISERVER, r) ?? apply(CONTROLLERS, r);
  }
}

/** Keep a record when it states a fact or is a warning/error (bounded memory for big logs). */
export function isNotableLog(r: LogRecord): boolean {
  return r.severity !== 'info' && r.severity !== 'debug' ? true : classifyLog(r) !== undefined || r.component === 'events';
}
