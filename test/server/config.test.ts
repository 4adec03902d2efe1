import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { EXAMPLE_DIR, PACKAGE_ROOT, isValidZone, readConfig, windowInputSchema } from '../../server/config.js';

test('defaults: loopback, port 8080, the bundled example resolved from the package root', () => {
  const config = readConfig({}, {});
  assert.equal(config.host, '127.0.0.1');
  assert.equal(config.port, 8080);
  assert.equal(config.defaultSource, 'example');
  assert.equal(config.sources.example, path.join(PACKAGE_ROOT, 'examples', 'etcd-disk-latency'));
  assert.equal(EXAMPLE_DIR, config.sources.example);
  assert.ok(Object.isFrozen(config) && Object.isFrozen(config.sources));
});

test('environment, then flags; --input becomes the default source "input"', () => {
  const config = readConfig({ port: '0', input: 'some/bundle' }, { ROOTLINE_PORT: '9000', ROOTLINE_HOST: '0.0.0.0', ROOTLINE_SOURCES: 'prod=/data/prod, staging=/data/staging', ROOTLINE_TZ: 'Europe/Berlin' });
  assert.equal(config.port, 0);
  assert.equal(config.host, '0.0.0.0');
  assert.equal(config.tz, 'Europe/Berlin');
  assert.equal(config.defaultSource, 'input');
  assert.deepEqual(Object.keys(config.sources).sort(), ['example', 'input', 'prod', 'staging']);
  assert.equal(config.sources.input, path.resolve('some/bundle'));
});

test('every problem is listed in one ConfigError', () => {
  assert.throws(
    () => readConfig({}, { ROOTLINE_PORT: '70000', ROOTLINE_TZ: 'Mars/Olympus', ROOTLINE_SOURCES: 'broken', ROOTLINE_LOG_LEVEL: 'loud' }),
    (err: Error & { code?: string }) => {
      assert.equal(err.code, 'RL_ERR_CONFIG_INVALID');
      assert.match(err.message, /ROOTLINE_SOURCES: invalid entry "broken", expecting name=\/path\/to\/bundle/);
      assert.match(err.message, /port: port must be 0-65535/);
      assert.match(err.message, /tz: Invalid zone/);
      assert.match(err.message, /logLevel: /);
      return true;
    },
  );
  assert.throws(() => readConfig({}, { ROOTLINE_DEFAULT_SOURCE: 'prod' }), /ROOTLINE_DEFAULT_SOURCE: unknown source "prod", expecting one of example/);
});

test('windows and zones', () => {
  assert.ok(windowInputSchema.safeParse({ from: '2026-01-24T08:51:50Z', to: '2026-01-24T09:21:50+00:00' }).success);
  assert.equal(windowInputSchema.safeParse({ from: '2026-01-24T09:00:00Z', to: '2026-01-24T10:00:00+02:00' }).success, false);
  assert.equal(windowInputSchema.safeParse({ from: 'now', to: '2026-01-24T09:21:50Z' }).success, false);
  assert.ok(isValidZone('UTC+02:00'));
  assert.ok(isValidZone('America/New_York'));
  assert.equal(isValidZone('Nowhere/City'), false);
});
