// The sources file: named Prometheus + Elasticsearch pairs, secrets from the environment only, and
// the exact messages for a file that is wrong; readConfig wires it (--config / ROOTLINE_CONFIG).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readConfig } from '../../../server/config.js';
import { parseSourcesFile, readSourcesFile } from '../../../server/sources/sources-file.js';
import { buildServerSources } from '../../../server/sources/server-sources.js';

const prod = {
  prometheus: { url: 'https://prom.prod:9090', username: 'rootline', passwordEnv: 'PROD_PROM_PASSWORD' },
  elasticsearch: { url: 'https://es.prod:9200', apiKeyEnv: 'PROD_ES_API_KEY', audit: { index: 'k8s-audit-*' }, logs: { index: 'fluent-bit-*' }, events: { index: 'k8s-events-*' } },
};

test('each named pair is checked, its secrets read from the environment it names', () => {
  const sources = parseSourcesFile({ sources: { prod, staging: { prometheus: { url: 'http://prom.staging:9090' } } } }, { PROD_PROM_PASSWORD: 'p', PROD_ES_API_KEY: 'k' }, 'rootline.json');
  assert.deepEqual(Object.keys(sources), ['prod', 'staging']);
  assert.deepEqual(sources['prod']!.prometheus!.auth, { kind: 'basic', username: 'rootline', password: 'p' });
  assert.deepEqual(sources['prod']!.elasticsearch!.auth, { kind: 'api-key', apiKey: 'k' });
  assert.equal(sources['staging']!.elasticsearch, undefined);
  assert.deepEqual(buildServerSources(sources['prod']!).map((s) => [s.name, s.evidence]), [['prometheus', ['metrics']], ['elasticsearch', ['audit', 'logs', 'events']]]);
  assert.ok(Object.isFrozen(sources));
});

test('every problem of the file in one message, each with its place', () => {
  const rows: [string, unknown, Record<string, string>, string][] = [
    ['the bare pair without "sources"', { prometheus: { url: 'http://p' } }, {}, 'Invalid sources file f.json, expecting {"sources": {"NAME": {"prometheus": {...}, "elasticsearch": {...}}}}: sources: Invalid input: expected record, received undefined; (root): Unrecognized key: "prometheus"'],
    ['a name that could be a path', { sources: { '../x': {} } }, {}, 'Invalid sources file f.json: sources: invalid source name "../x", expecting lower-case letters, digits, ".", "_" or "-" (at most 63)'],
    [
      'bad entries: a scheme missing, a password unset, nothing configured',
      { sources: { prod: { prometheus: { url: 'prom:9090' } }, lab: { elasticsearch: { url: 'http://es', username: 'u', audit: { index: 'a' } } }, empty: {} } },
      {},
      'Invalid sources file f.json: sources.prod.prometheus.url: Invalid url, expecting an absolute URL with a scheme (http:// or https://); sources.lab.elasticsearch.username is set but ROOTLINE_ES_PASSWORD is empty: set the password in the environment; sources.empty: configure prometheus, elasticsearch or both',
    ],
    ['a URL override would hit every pair', { sources: { a: { prometheus: { url: 'http://a' } }, b: { prometheus: { url: 'http://b' } } } }, { ROOTLINE_PROM_URL: 'http://x' }, 'Invalid sources file f.json: ROOTLINE_PROM_URL would apply to all 2 sources: set these per source in the file'],
  ];
  for (const [why, json, env, message] of rows) assert.throws(() => parseSourcesFile(json, env, 'f.json'), (err: Error & { code?: string }) => err.code === 'RL_ERR_CONFIG_INVALID' && err.message === message, why);
});

test('readSourcesFile and readConfig: --config over ROOTLINE_CONFIG, names unique, --source picks the default', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rootline-sources-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'sources.json');
  writeFileSync(file, JSON.stringify({ sources: { prod } }));
  const env = { PROD_PROM_PASSWORD: 'p', PROD_ES_API_KEY: 'k' };
  assert.deepEqual(Object.keys(readSourcesFile(file, env)), ['prod']);
  const config = readConfig({ source: 'prod' }, { ...env, ROOTLINE_CONFIG: file });
  assert.equal(config.defaultSource, 'prod');
  assert.deepEqual(Object.keys(config.serverSources ?? {}), ['prod']);
  assert.deepEqual(Object.keys(config.sources), ['example'], 'the pair is not a bundle folder');
  assert.throws(() => readConfig({ configFile: path.join(dir, 'nope.json') }, {}), /^ConfigError: Invalid configuration: Cannot read the sources file .*nope\.json; caused by ENOENT/);
  writeFileSync(path.join(dir, 'bad.json'), '{"sources": ');
  assert.throws(() => readConfig({ configFile: path.join(dir, 'bad.json') }, {}), /Invalid sources file .*bad\.json: not JSON, expecting \{"sources"/);
  writeFileSync(path.join(dir, 'clash.json'), JSON.stringify({ sources: { example: { prometheus: { url: 'http://p' } } } }));
  assert.throws(() => readConfig({ configFile: path.join(dir, 'clash.json') }, {}), /source "example" is also a bundle folder \(ROOTLINE_SOURCES, --input or the example\): give it another name/);
  assert.throws(() => readConfig({ source: 'dev' }, { ...env, ROOTLINE_CONFIG: file }), /--source: unknown source "dev", expecting one of example, prod/);
});
