// Source configuration: the file gives the shape, the environment the secrets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDurationMs, parseSourceConfig } from '../../../../server/sources/config.js';

test('prometheus: defaults, and secrets only from the environment', () => {
  const c = parseSourceConfig({ prometheus: { url: 'https://prom.example:9090', username: 'ro' } }, { ROOTLINE_PROM_PASSWORD: 's3cret' }).prometheus!;
  assert.deepEqual(c.auth, { kind: 'basic', username: 'ro', password: 's3cret' });
  assert.equal(c.scrapeIntervalMs, 15_000);
  assert.equal(c.timeoutMs, 30_000);
  assert.equal(c.retries, 2);
  assert.deepEqual(c.labels.host, ['node', 'instance', 'hostname']);
  assert.ok(Object.isFrozen(c));
  const bearer = parseSourceConfig({}, { ROOTLINE_PROM_URL: 'http://127.0.0.1:9090', ROOTLINE_PROM_TOKEN: 'tok' }).prometheus!;
  assert.deepEqual(bearer.auth, { kind: 'bearer', token: 'tok' });
  assert.equal(bearer.url, 'http://127.0.0.1:9090');
});

test('elasticsearch: API key from the environment, presets by default', () => {
  const c = parseSourceConfig({ elasticsearch: { url: 'http://es:9200', audit: { index: 'k8s-audit-*' } } }, { ROOTLINE_ES_API_KEY: 'id:key' }).elasticsearch!;
  assert.deepEqual(c.auth, { kind: 'api-key', apiKey: 'id:key' });
  assert.equal(c.audit?.preset, 'raw-audit');
  assert.equal(c.audit?.cap, 5000);
  assert.deepEqual(c.audit?.longRunningVerbs, ['watch']);
});

test('invalid configuration lists every problem with the field and what is expected', () => {
  assert.throws(
    () => parseSourceConfig({ prometheus: { url: 'prom:9090', password: 'inline', step: 'fast' }, elasticsearch: { url: 'http://es' } }, {}),
    (err: Error & { code?: string }) => {
      assert.equal(err.code, 'RL_ERR_CONFIG_INVALID');
      assert.match(err.message, /prometheus\.url: Invalid url, expecting an absolute URL with a scheme \(http:\/\/ or https:\/\/\)/);
      assert.match(err.message, /prometheus: Unrecognized key: "password"/);
      assert.match(err.message, /prometheus\.step: Invalid duration, expecting a Prometheus duration such as 15s/);
      return true;
    },
  );
  assert.throws(() => parseSourceConfig({ prometheus: { url: 'http://p', username: 'u' } }, {}), /prometheus\.username is set but ROOTLINE_PROM_PASSWORD is empty/);
  assert.throws(() => parseSourceConfig({ elasticsearch: { url: 'http://es' } }, {}), /elasticsearch: configure at least one of audit, logs, events/);
});

test('parseDurationMs reads Prometheus and ISO durations', () => {
  assert.deepEqual(['15s', '1m30s', '250ms', '6h', 'PT15S', 'fast', '0s'].map(parseDurationMs), [15_000, 90_000, 250, 21_600_000, 15_000, undefined, undefined]);
});
