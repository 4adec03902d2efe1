/** The Prometheus source (Prometheus HTTP API, also Thanos and Mimir). */
export { createPrometheusSource, type PrometheusSourceDeps } from './source.js';
export { createPromRangeApi, isRetryablePromError, toSourceError, type PromRangeApi } from './client.js';
export { buildMetricPromql, buildQueryCatalogue, buildSampleTimePromql, groupLabels, type PromQuery, type PromqlOptions } from './promql.js';
export { chooseRateFunction, chooseStepMs, rateRangeMs, sampleLagMs, formatPromDuration, splitRange, type QueryRange, type RateFunction } from './step.js';
export { withRetry, sleep, type RetryPolicy, type Sleep } from './retry.js';
export { buildSeries, stampPoints, stripPort, parseSampleValue, type RawMatrixSeries } from './to-series.js';
export { parseSampleTimes, sampleTimeKey, type SampleTimes } from './sample-times.js';
