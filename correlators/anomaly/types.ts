import type { Component, EvidenceRef, FactKey } from '../signals/index.js';

/** Which kind of source an observation rests on; mechanisms weigh metrics and logs differently. */
export type ObservationBasis = 'metric' | 'log' | 'event' | 'audit' | 'iostat';

/**
 * A detected occurrence of a fact over time: an anomaly episode on a series or a burst of log
 * facts. Times are corrected for clock offsets (true time, as far as we can tell).
 */
export interface Observation {
  id: string;
  key: FactKey;
  component: Component;
  host?: string;
  /** The series' metric id (series episodes only): which rule of several for one symptom fired. */
  metric?: string;
  startMs: number;
  endMs: number;
  /** When the value peaked (series) or the densest point of a burst (logs). */
  peakMs: number;
  /** Peak value in the unit of `unit` (series) or the largest stated duration (logs, ms). */
  peak?: number;
  unit?: string;
  /** The window's own baseline for series; undefined for logs. */
  baseline?: number;
  threshold?: number;
  /** Raw events (lines, samples) folded into this observation. */
  count: number;
  /** 0-1: how far past its threshold, how sustained; used as dose. */
  strength: number;
  basis: ObservationBasis;
  sourceId: string;
  /** Human sentence: `WAL fsync p99 812 ms on cp-2 (threshold 10 ms, window baseline 2.1 ms)`. */
  detail: string;
  evidence: EvidenceRef[];
  /** Detail values carried from the facts (peer ids, error classes, objects). */
  tags: Record<string, string[]>;
}
