// Secrets from the environment never reach the output: the real `rootline serve` process, logging
// at trace, with API tokens and source credentials in its environment, analyses a configured
// Prometheus + Elasticsearch pair that refuses those credentials (a loopback server that answers
// 401 and records what it was sent, so the test knows the secrets were really used), serves
// requests that carry the tokens in headers, cookies and the page URL, and shuts down on SIGTERM.
// Nothing it printed (stdout or stderr) contains a secret, nor its base64 form.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../integration/helpers/env.js';

const SECRETS = {
  ROOTLINE_TOKEN: 'write-token-5f0c2a9e41d37b8c',
  ROOTLINE_READ_TOKEN: 'read-token-9a1e7c3b5d2f4e60',
  ROOTLINE_PROM_PASSWORD: 'prom-password-3c8e1f0a9b7d',
  ROOTLINE_ES_API_KEY: 'es-api-key-7d2b4f6a8c0e1a3c',
};

const b64 = (s: string): string => Buffer.from(s).toString('base64');

test('tokens and source credentials from the environment are used but never printed, at log level trace', { timeout: 120_000 }, async (t) => {
  const seen: string[] = [];
  const refusing = createServer((req, res) => {
    seen.push(String(req.headers.authorization ?? ''));
    req.resume();
    res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Basic' });
    res.end('{"error":{"type":"security_exception","reason":"unable to authenticate"},"status":401}');
  });
  await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => refusing.close(() => resolve())));
  const upstream = `http://127.0.0.1:${(refusing.address() as AddressInfo).port}`;

  const dir = await mkdtemp(path.join(tmpdir(), 'rootline-secrets-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const config = path.join(dir, 'sources.json');
  await writeFile(config, JSON.stringify({ sources: { lab: { prometheus: { url: upstream, username: 'rootline', retries: 0 }, elasticsearch: { url: upstream, retries: 0, events: { index: 'k8s-events' } } } } }));

  const child = spawn(process.execPath, ['dist/server/cli.js', 'serve', '--source', 'lab', '--config', config, '--from', '2026-01-24T08:50:00Z', '--to', '2026-01-24T09:20:00Z', '--port', '0'], {
    cwd: REPO_ROOT,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? dir, ROOTLINE_LOG_LEVEL: 'trace', ROOTLINE_DATA_DIR: dir, ...SECRETS },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (out += c.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  t.after(() => { if (child.exitCode === null) child.kill('SIGKILL'); });

  const until = async (what: string, ok: () => boolean): Promise<void> => {
    const deadline = Date.now() + 60_000;
    while (!ok()) {
      if (Date.now() > deadline || child.exitCode !== null) assert.fail(`${what}; output so far:\n${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  await until('the server never said where it listens', () => /war room: http:\/\/\S+/.test(out));
  const base = /war room: (http:\/\/\S+?)\/?\s/.exec(out)![1]!;
  // the default analysis of the pair ends (degraded: both refuse) and says so on stderr
  await until('the default analysis never finished', () => /rootline: .*(failed|degraded|analysed without)/.test(out));

  const auth = (token: string) => ({ authorization: `Bearer ${token}` });
  assert.equal((await fetch(`${base}/api/analyses`, { headers: auth(SECRETS.ROOTLINE_READ_TOKEN) })).status, 404, 'a read token reads');
  assert.equal((await fetch(`${base}/?token=${SECRETS.ROOTLINE_READ_TOKEN}`, { redirect: 'manual' })).status < 500, true);
  assert.equal((await fetch(`${base}/api/analyses/none`, { headers: { cookie: `rootline_token=${SECRETS.ROOTLINE_TOKEN}` } })).status, 404);
  assert.equal((await fetch(`${base}/api/analyses/none`, { headers: auth(`${SECRETS.ROOTLINE_TOKEN}x`) })).status, 401);
  const posted = await fetch(`${base}/api/analyses`, { method: 'POST', headers: { ...auth(SECRETS.ROOTLINE_TOKEN), 'content-type': 'application/json' }, body: JSON.stringify({ source: { kind: 'prometheus+elasticsearch', name: 'lab' }, window: { from: '2026-01-24T08:50:00Z', to: '2026-01-24T09:20:00Z' } }) });
  assert.equal(posted.status, 201);
  const id = ((await posted.json()) as { id: string }).id;
  await until('the second analysis never finished', () => new RegExp(`"analysisId":"${id}"[^\\n]*"msg":"analysis done"`).test(out));
  assert.equal(((await (await fetch(`${base}/api/analyses/${id}`, { headers: auth(SECRETS.ROOTLINE_TOKEN) })).json()) as { status: string }).status, 'done');

  child.kill('SIGTERM');
  assert.equal(await exited, 0, `exit code; output:\n${out}`);

  assert.ok(seen.some((h) => h === `Basic ${b64(`rootline:${SECRETS.ROOTLINE_PROM_PASSWORD}`)}`), `the Prometheus password was sent (saw ${seen.length} requests)`);
  assert.ok(seen.some((h) => h.includes(SECRETS.ROOTLINE_ES_API_KEY) || h.includes(b64(SECRETS.ROOTLINE_ES_API_KEY))), 'the Elasticsearch API key was sent');
  const logLines = out.split('\n').filter((l) => l.startsWith('{'));
  assert.ok(logLines.length >= 10, `structured logs were written (${logLines.length} JSON lines)`);
  for (const l of logLines) assert.doesNotThrow(() => JSON.parse(l), `a log line is JSON: ${l.slice(0, 200)}`);
  assert.ok(logLines.some((l) => /"msg":"request completed"/.test(l)), 'requests are logged');
  for (const [name, secret] of Object.entries(SECRETS)) {
    for (const form of [secret, b64(secret), b64(`rootline:${secret}`)]) assert.ok(!out.includes(form), `${name} (${form === secret ? 'as is' : 'base64'}) was printed`);
  }
});
