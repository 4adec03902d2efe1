// Where the integration tests find the servers and the development bundles.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { createServer } from 'node:net';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { test } from 'node:test';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

/** `ROOTLINE_SCENARIOS`, else shared/bench/scenarios beside the repo. */
export function scenariosDir(): string {
  return process.env['ROOTLINE_SCENARIOS'] ?? path.resolve(REPO_ROOT, '..', 'shared', 'bench', 'scenarios');
}

export function caseDir(id: string): string {
  return path.join(scenariosDir(), id);
}

/**
 * The skip reason of a test file whose servers (`PROM_URL`, `ES_URL`) are not set, or false. On a
 * laptop the tests are skipped with a banner; in CI (`CI` set, as .ci/run does) a missing server is
 * a failing test, so the integration tests cannot silently stop running there.
 */
export function serversOrSkip(what: string, vars: readonly string[]): string | false {
  const missing = vars.filter((v) => !process.env[v]);
  if (missing.length === 0) return false;
  const reason = `${missing.join(' and ')} not set: source .ci/services/prometheus.sh and .ci/services/elasticsearch.sh first`;
  if (process.env['CI']) {
    test(`${what}: the servers are there in CI`, () => {
      throw new Error(`${what} cannot run in CI: ${reason}`);
    });
  } else {
    process.stderr.write(`\n*** ${what} SKIPPED: ${reason} ***\n\n`);
  }
  return reason;
}

/** A free loopback port (bound and released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

export interface ScratchPrometheus {
  url: string;
  proc: ChildProcess;
  stop(): Promise<void>;
}

/** The test CA and a server certificate for 127.0.0.1 (test/fixtures/tls). */
export const TEST_CA_FILE = path.join(REPO_ROOT, 'test', 'fixtures', 'tls', 'ca.pem');

/** HTTP status of `url` over TLS, trusting `caFile` only; rejects on a TLS or connection error. */
function httpsStatus(url: string, caFile: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpsGet(url, { ca: readFileSync(caFile) }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
  });
}

/**
 * A second, private Prometheus for the failure tests: its own TSDB backfilled from one bundle,
 * optionally behind `--web.config.file` (basic auth, or TLS: then pass `tlsCaFile`, the CA that
 * signed its certificate, and the url is https). Stopped (SIGKILL) by `stop()` or when the test ends.
 */
export async function startScratchPrometheus(bundleDir: string, webConfig?: string, tlsCaFile?: string): Promise<ScratchPrometheus> {
  const bin = process.env['PROMETHEUS_BIN'] ?? 'prometheus';
  const promtool = process.env['PROMTOOL_BIN'] ?? 'promtool';
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rl-prom-'));
  const om = path.join(bundleDir, 'metrics', 'metrics.om');
  const bf = spawnSync(promtool, ['tsdb', 'create-blocks-from', 'openmetrics', om, path.join(dir, 'data')], { encoding: 'utf8' });
  if (bf.status !== 0) throw new Error(`promtool backfill failed: ${bf.stderr}`);
  const cfg = path.join(dir, 'prometheus.yml');
  spawnSync('sh', ['-c', `printf 'global:\\n  scrape_interval: 15s\\nscrape_configs: []\\n' > ${cfg}`]);
  const port = await freePort();
  const args = [`--config.file=${cfg}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, '--storage.tsdb.retention.time=100y', `--web.listen-address=127.0.0.1:${port}`];
  if (webConfig) args.push(`--web.config.file=${webConfig}`);
  const proc = spawn(bin, args, { stdio: 'ignore' });
  const url = `${tlsCaFile ? 'https' : 'http'}://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const status = tlsCaFile ? await httpsStatus(`${url}/-/ready`, tlsCaFile) : (await fetch(`${url}/-/ready`)).status;
      // behind basic auth, a 401 also says the server is up
      if (status === 200 || status === 401) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline || proc.exitCode !== null) throw new Error(`scratch prometheus on ${url} did not start`);
    await new Promise((r) => setTimeout(r, 200));
  }
  let stopped = false;
  return {
    url,
    proc,
    async stop() {
      if (stopped) return;
      stopped = true;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGKILL');
      await exited;
      if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
    },
  };
}
