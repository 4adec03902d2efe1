/**
 * From signals to what the mechanisms evaluate: facts with corrected times, observations,
 * topology and coverage.
 */
import type { SignalSet, Series } from '../signals/index.js';
import { detectSeriesObservations, SERIES_RULES, type FactGroups, type FactRecord, type Observation, type SeriesRange } from '../anomaly/index.js';
import { AnalysisCache } from './analysis-cache.js';
import type { ScanResult } from './log-scan.js';
import { estimateOffsets, factTrainEdges, FactTrains, seriesLagEdge, type AnchorFact, type OffsetEdge, type SourceOffset, type TimedFact } from '../clock/index.js';
import type { Coverage, MechanismContext, Topology } from '../causal/index.js';

const AUDIT_BIN_MS = 15_000;
/** Observations that end this long before the window still count (context). */
const CONTEXT_BEFORE_MS = 10 * 60_000;

export interface AnalysisContext extends MechanismContext {
  facts: FactRecord[];
  offsets: SourceOffset[];
  offsetOf: (sourceId: string) => number;
  /** Every series' points in the window (corrected times), as ranges of the series. */
  series: SeriesRange[];
}

/** Fact kinds several sources write at the same instant (an election's term, a node's NotReady). */
const ANCHOR_KEYS: ReadonlySet<string> = new Set(['etcd-leader-election', 'node-not-ready']);

/** Join keys of happenings that several sources write at the same instant. */
function anchorsOf(groups: FactGroups): AnchorFact[] {
  const out: AnchorFact[] = [];
  const facts = groups.facts;
  for (const i of groups.indexesOf(ANCHOR_KEYS)) {
    const { fact, record } = facts[i]!;
    if (fact.key === 'etcd-leader-election') {
      const m = /elected leader (\w+) at term (\d+)/.exec(record.message);
      if (m) out.push({ sourceId: record.sourceId, joinKey: `election:${m[2]}`, atMs: record.atMs });
    } else {
      const node = fact.detail?.['node'];
      if (node) out.push({ sourceId: record.sourceId, joinKey: `notready:${node}`, atMs: record.atMs });
    }
  }
  return out;
}

/** Fact kinds written at one instant cluster-wide, so members' and metrics' copies pair without a host. */
const CLUSTER_WIDE = new Set(['etcd-leader-election', 'controller-lease-lost', 'apiserver-errors']);
/** The clock's group of a fact kind on a host: fact kind and host, without the host for cluster-wide kinds. */
const clockGroup = (key: string, host: string | undefined): string => `${key}|${CLUSTER_WIDE.has(key) ? '' : host ?? ''}`;
/** Metric episodes that mark a moment precisely enough (one scrape) to pair with log lines. */
const METRIC_MOMENTS = new Set(['etcd-leader-election', 'node-not-ready', 'controller-lease-lost']);
/** The series those moments are read from (a leader change counter, node Ready, lease holder). */
const MOMENT_METRICS = new Set(['etcd_leader_changes_per_s', 'node_ready', 'leader_election_master']);

/** The facts' and metric moments' times by source and group (fact kind and host), at face value. */
function factTrains(groups: FactGroups, metricObs: Observation[]): FactTrains {
  const trains = new FactTrains();
  for (const e of groups.trains(clockGroup)) trains.addTimes(e.sourceId, e.group, e.t, 0);
  for (const o of metricObs) {
    // the episode start is already half a scrape before the first point past the threshold
    if (METRIC_MOMENTS.has(o.key)) trains.add(o.sourceId, clockGroup(o.key, o.host), o.startMs, 7_500);
  }
  return trains;
}

/** iostat and node_exporter measure the same disk and CPU: correlate their series per host. */
function seriesEdges(series: Series[]): OffsetEdge[] {
  const out: OffsetEdge[] = [];
  const centred = (s: Series) => {
    const step = s.t.length > 1 ? (s.t[s.t.length - 1]! - s.t[0]!) / (s.t.length - 1) : 0;
    return { sourceId: s.sourceId, t: s.t.map((x) => x - step / 2), v: s.v };
  };
  for (const metric of ['node_disk_util_ratio', 'node_cpu_idle_ratio']) {
    const list = series.filter((s) => s.metric === metric && s.host && s.t.length > 20);
    const seen = new Set<string>();
    for (const a of list) {
      for (const b of list) {
        if (a.sourceId >= b.sourceId || a.host !== b.host) continue;
        const k = `${a.sourceId}|${b.sourceId}`;
        if (seen.has(k)) continue;
        const e = seriesLagEdge(centred(a), centred(b), `${metric} ${a.host}`);
        if (e) {
          seen.add(k);
          out.push(e);
        }
      }
    }
  }
  return out;
}

function pickReference(signals: SignalSet): string | undefined {
  const metrics = signals.series.find((s) => !/iostat/i.test(s.sourceId));
  if (metrics) return metrics.sourceId;
  if (signals.audit[0]) return signals.audit[0].sourceId;
  return undefined;
}

/** The leader of `name` by leader_election_master_status == 1 most of the window. */
function leaseHolder(signals: SignalSet, name: string): string | undefined {
  let best: string | undefined;
  let bestShare = 0;
  for (const s of signals.series) {
    if (s.metric !== 'leader_election_master' || s.labels['name'] !== name || !s.host) continue;
    const share = s.v.filter((v) => v === 1).length / Math.max(1, s.v.length);
    if (share > bestShare) {
      bestShare = share;
      best = s.host;
    }
  }
  return best;
}

/** `schedulerLeader`: the scheduler's host by its lease metric, when one names it ({@link leaseHolder}). */
function buildTopology(signals: SignalSet, scan: ScanResult, schedulerLeader: string | undefined): Topology {
  const etcd = new Set(scan.etcdHosts);
  const cp = new Set<string>();
  const memberHosts: Record<string, string> = { ...scan.memberHosts };
  // each member reports its round trips To its peers, never to itself: with metrics only, a
  // member's id is the one every other member reports and it does not
  const peersOf = new Map<string, Set<string>>();
  for (const s of signals.series) {
    const to = s.labels['To'];
    if (s.metric !== 'etcd_peer_rtt_p99_s' || !s.host || !to) continue;
    const set = peersOf.get(s.host) ?? new Set<string>();
    set.add(to);
    peersOf.set(s.host, set);
  }
  const allPeers = new Set([...peersOf.values()].flatMap((x) => [...x]));
  if (peersOf.size >= 3) {
    for (const [host, set] of peersOf) {
      const own = [...allPeers].filter((id) => !set.has(id));
      if (own.length === 1) memberHosts[own[0]!] ??= host;
    }
  }
  for (const s of signals.series) {
    if (!s.host) continue;
    if (s.component === 'etcd') etcd.add(s.host);
    if (s.component === 'etcd' || s.component === 'kube-apiserver') cp.add(s.host);
  }
  for (const h of etcd) cp.add(h);
  const t: Topology = { etcdHosts: [...etcd].sort(), memberHosts, controlPlaneHosts: [...cp].sort() };
  // the scheduler leader: leader_election_master_status{name="kube-scheduler"} == 1, or its Events' reporting instance
  if (schedulerLeader) t.schedulerHost = schedulerLeader;
  else {
    const node = scan.schedulerNodes.find((n) => cp.size === 0 || cp.has(n));
    if (node) t.schedulerHost = node;
  }
  const kcm = leaseHolder(signals, 'kube-controller-manager');
  if (kcm) t.controllerManagerHost = kcm;
  return t;
}

function buildCoverage(signals: SignalSet, scan: ScanResult): Coverage {
  const formats = new Set(signals.sources.filter((s) => s.records > 0 || s.lines > 0).map((s) => s.format));
  const comps = scan.components;
  const metricIds = new Set(signals.series.map((s) => s.metric));
  return {
    iostat: signals.series.some((s) => /iostat/i.test(s.sourceId) || /iostat/i.test(s.origin)) || [...formats].some((f) => /iostat/.test(f)),
    metrics: signals.series.some((s) => !/iostat/i.test(s.sourceId)),
    etcdLogs: comps.has('etcd'),
    apiserverLog: comps.has('kube-apiserver'),
    audit: signals.audit.length > 0,
    events: comps.has('events'),
    kubeletLogs: comps.has('kubelet'),
    controllerLogs: comps.has('kube-controller-manager') || comps.has('kube-scheduler'),
    corednsLogs: comps.has('coredns'),
    metricIds,
  };
}

export function buildContext(signals: SignalSet, cache: AnalysisCache = new AnalysisCache(false)): AnalysisContext {
  cache.begin();
  const memo = cache.episodes;
  // the records' facts, grouped, their clocks, and what topology and coverage need (one pass, or
  // a live window's changes)
  const schedulerLeader = leaseHolder(signals, 'kube-scheduler');
  const { groups, scan, sourceIds: logSources } = cache.logPass(signals, schedulerLeader === undefined);
  const ids = new Set<string>(logSources);
  // every stamping clock: a server source's log records may come from many (one per host and container)
  for (const s of signals.sources) ids.add(s.sourceId);
  for (const s of signals.series) ids.add(s.sourceId);
  for (const a of signals.audit) ids.add(a.sourceId);
  const sourceIds = [...ids].sort();
  const allSeries = [...signals.series, ...cache.derivedSeries(signals.series), ...signals.audit.flatMap((a) => cache.auditSeries(a, AUDIT_BIN_MS))];
  // every series' episodes at face value: symptom onsets and metric moments for the clock
  const roughSeries = detectSeriesObservations(allSeries, SERIES_RULES, () => 0, memo);
  // metric moments (metrics are the reference clock when present)
  const metricMoments = roughSeries.filter((o) => o.metric !== undefined && MOMENT_METRICS.has(o.metric));
  // episode starts: the same symptom on the same host, first seen by two sources (a metric crossing
  // its threshold, the first slow fdatasync line). Only as precise as a scrape and the sources'
  // thresholds, so they count only where they show a skew larger than that.
  const rough = [...groups.starts(), ...roughSeries];
  const starts: TimedFact[] = rough.map((o) => ({
    sourceId: o.sourceId,
    group: clockGroup(o.key, o.host),
    atMs: o.startMs,
    precisionMs: o.basis === 'metric' ? 7_500 : o.basis === 'iostat' || o.basis === 'audit' ? 2_500 : 1_000,
  }));
  const edges = [
    ...factTrains(groups, metricMoments).edges(),
    ...seriesEdges(signals.series),
    ...factTrainEdges(starts, { minSupport: 1, minAbsOffsetMs: 8_000, minGroups: 2, label: 'symptom onsets' }).map((e) => ({ ...e, support: 1 })),
  ];
  const offsets = estimateOffsets(anchorsOf(groups), sourceIds, pickReference(signals), 1, edges);
  const offsetMap = new Map(offsets.map((o) => [o.sourceId, o.offsetMs]));
  const offsetOf = (id: string) => offsetMap.get(id) ?? 0;
  const { fromMs, toMs } = signals.window;
  const facts: FactRecord[] = [];
  // indexed like raw: the fact at its corrected time, undefined when it falls outside the window
  const n = groups.facts.length;
  const corrected = new Array<FactRecord | undefined>(n);
  const offsetBySource = groups.sources.map(offsetOf);
  for (let i = 0; i < n; i++) {
    const atMs = groups.ownAt(i) + offsetBySource[groups.sourceOf(i)]!;
    if (atMs < fromMs - CONTEXT_BEFORE_MS || atMs > toMs) continue;
    const c = groups.correctedAt(i, atMs);
    corrected[i] = c;
    facts.push(c);
  }
  const inWindow = allSeries.map((s) => cache.clip(s, offsetOf(s.sourceId), fromMs, toMs));
  const observations = [...groups.bursts(corrected), ...detectSeriesObservations(inWindow, SERIES_RULES, offsetOf, memo)].sort((a, b) => a.startMs - b.startMs || a.id.localeCompare(b.id));
  cache.settle(allSeries);
  return {
    window: signals.window,
    observations,
    topology: buildTopology(signals, scan, schedulerLeader),
    coverage: buildCoverage(signals, scan),
    facts,
    offsets,
    offsetOf,
    series: inWindow,
  };
}
