import type { FactKey, RootCause, Symptom, AnalysisWindow } from '../signals/index.js';
import type { FactRecord, Observation } from '../anomaly/index.js';

/** What the mechanisms know about the cluster beyond observations. */
export interface Topology {
  /** Hosts that run an etcd member (from etcd logs, etcd metrics, iostat of the etcd disk). */
  etcdHosts: string[];
  /** etcd member id (hex) -> host, learnt from the members' own log lines. */
  memberHosts: Record<string, string>;
  /** Hosts that run control-plane components. */
  controlPlaneHosts: string[];
  /** The host of the kube-scheduler / kube-controller-manager leader, when some source says. */
  schedulerHost?: string;
  controllerManagerHost?: string;
  /** Host whose kube-apiserver wrote the apiserver log / the audit log, when known. */
  apiserverLogHost?: string;
}

/** Which kinds of evidence exist at all in this analysis (to say what is missing). */
export interface Coverage {
  iostat: boolean;
  metrics: boolean;
  etcdLogs: boolean;
  apiserverLog: boolean;
  audit: boolean;
  events: boolean;
  kubeletLogs: boolean;
  controllerLogs: boolean;
  corednsLogs: boolean;
  /** Metric ids present. */
  metricIds: Set<string>;
}

export interface MechanismContext {
  window: AnalysisWindow;
  observations: Observation[];
  /** The classified log facts behind the bursts, on the aligned clock (for a first line's time). */
  facts?: readonly FactRecord[];
  topology: Topology;
  coverage: Coverage;
}

export interface ChainStep {
  key: Symptom;
  /** Plausible lag after the onset, ms: [min, max]. */
  lagMs: readonly [number, number];
  /** Why it follows, for the explanation. */
  because: string;
}

/** A mechanism's judgement of the evidence. */
export interface Assessment {
  /** 0-1: how well the evidence fits this mechanism (before competition with others). */
  fit: number;
  onsetMs: number;
  culprit?: { component: string; host?: string };
  /** Observations that show the cause itself. */
  roots: Observation[];
  /** Claims for and against, with the observations behind them. */
  for: { claim: string; obs?: Observation }[];
  against: { claim: string; obs?: Observation }[];
  missing: string[];
  scores: Record<string, number>;
}

export interface Mechanism {
  cause: RootCause;
  title: string;
  /** The symptoms this cause produces, root first, with their lag windows (DOMAIN.md timings). */
  chain: readonly ChainStep[];
  /** Fact kinds the mechanism reads (for the explaining-away step). */
  explains: readonly FactKey[];
  evaluate(ctx: MechanismContext): Assessment | undefined;
  actionItems: readonly string[];
  nextChecks(culpritHost: string | undefined): { kind: 'promql' | 'log-search' | 'command'; query: string; why: string }[];
}
