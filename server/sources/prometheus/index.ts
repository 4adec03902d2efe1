/** The Prometheus source (Prometheus HTTP API, also Thanos and Mimir). */
export { createPrometheusSource, type PrometheusSourceDeps } from './source.js';
export { createPromRangeApi, isRetryablePromError, toSourceError, type PromRangeApi } from './client.js';
export { buildMetricPromql, buildQueryCatalogue, type PromQuery, type PromqlOptions } from './promql.js';
export { chooseStepMs, rateRangeMs, formatPromDuration, splitRange, type QueryRange } from './step.js';
export { withRetry, sleep, type RetryPolicy, type Sleep } from './retry.js';
export { buildSeries, stripPort, parseSampleValue, type RawMatrixSeries } from './to-series.js';
