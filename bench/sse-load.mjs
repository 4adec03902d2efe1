// Load test of the live war room's event stream (not in CI): `rootline serve --live` follows the
// example incident replayed into a temporary folder over the run, while N EventSource-like
// clients on loopback watch the same live analysis. Counts dropped connections, checks that every
// client saw every event (same last id), measures delivery spread, and samples the server's RSS.
//
//   node bench/sse-load.mjs [--clients 200] [--seconds 60] [--interval 1s] [--no-baseline]
// First a baseline in the same run (the same replay with one viewer), then the N viewers.
// (compiles first when dist/ is missing; exit 0 only when no viewer was dropped and all saw every event)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
if (!existsSync(path.join(root, 'dist/test/server/live/replay-bundle.js'))) {
  const built = spawnSync(process.execPath, [path.join(root, 'scripts/ensure-built.mjs'), '--force'], { stdio: 'inherit' });
  if (built.status !== 0) process.exit(built.status ?? 1);
}
const { BundleReplay } = await import(path.join(root, 'dist/test/server/live/replay-bundle.js'));

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const VIEWERS = Number(opt('--clients', '200'));
const SECONDS = Number(opt('--seconds', '60'));
const INTERVAL = opt('--interval', '1s');
const out = (s) => process.stdout.write(`${s}\n`);

/** One run: a fresh server following a fresh replay, watched by `CLIENTS` viewers. */
async function runOnce(CLIENTS) {
  const work = mkdtempSync(path.join(tmpdir(), 'rootline-sse-load-'));
  const bundle = path.join(work, 'bundle');
  const replay = new BundleReplay(path.join(root, 'examples', 'etcd-disk-latency'), bundle, 2026);
  // The replay's first minute is written before the server starts: viewers have something to show.
  const FROM = Date.UTC(2026, 0, 24, 8, 51, 40);
  const TO = Date.UTC(2026, 0, 24, 9, 21, 50);
  replay.writeUntil(FROM + 60_000);

  const server = spawn(process.execPath, ['dist/server/cli.js', 'serve', '--live', '--input', bundle, '--port', '0', '--interval', INTERVAL, '--clock', 'data'], {
    cwd: root,
    env: { ...process.env, ROOTLINE_DATA_DIR: path.join(work, 'data'), ROOTLINE_MAX_SSE_CLIENTS: String(CLIENTS + 50), ROOTLINE_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise((resolve, reject) => {
    let text = '';
    server.stdout.on('data', (b) => {
      text += b;
      const m = /\(live\): (http:\/\/\S+)/.exec(text);
      if (m) resolve(m[1]);
    });
    server.once('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
  const eventsUrl = new URL(url.replace('/live/', '/api/live/') + '/events');

  function rssMb() {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  }

  const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS + 10 });
  let stopping = false;
  const firstSeen = new Map(); // event id -> first receipt time
  const byType = new Map(); // event type -> bytes received, all viewers
  const spreads = [];

  class Client {
    constructor(n) {
      this.n = n;
      this.lastId = undefined;
      this.events = 0;
      this.bytes = 0;
      this.drops = 0;
      this.connects = 0;
      this.open = false;
      this.connect();
    }
    connect() {
      this.connects++;
      const headers = { accept: 'text/event-stream' };
      if (this.lastId !== undefined) headers['last-event-id'] = this.lastId;
      let buffer = '';
      this.req = http.get(eventsUrl, { agent, headers }, (res) => {
        if (res.statusCode !== 200) {
          this.drop(`status ${res.statusCode}`);
          res.resume();
          return;
        }
        this.open = true;
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          this.bytes += chunk.length;
          buffer += chunk;
          let cut;
          while ((cut = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            const id = /^id: (.*)$/m.exec(block)?.[1];
            const type = /^event: (.*)$/m.exec(block)?.[1];
            if (type === undefined) continue; // a heartbeat comment
            this.events++;
            byType.set(type, (byType.get(type) ?? 0) + block.length + 2);
            if (id !== undefined) {
              this.lastId = id;
              const now = performance.now();
              const first = firstSeen.get(id);
              if (first === undefined) firstSeen.set(id, now);
              else spreads.push(now - first);
            }
          }
        });
        res.on('end', () => this.drop('ended'));
        res.on('error', (e) => this.drop(e.message));
      });
      this.req.on('error', (e) => this.drop(e.message));
    }
    drop(why) {
      this.open = false;
      if (stopping) return;
      this.drops++;
      this.lastWhy = why;
      setTimeout(() => this.connect(), 1000);
    }
  }

  const rss = [rssMb()];
  out(`rootline SSE load: ${CLIENTS} viewers of one live analysis for ${SECONDS} s on loopback (server pid ${server.pid}, RSS ${rss[0].toFixed(0)} MB before)`);
  const clients = [];
  for (let i = 0; i < CLIENTS; i++) clients.push(new Client(i));
  const t0 = performance.now();
  const writer = replay.run(FROM + 60_000, TO, ((TO - FROM - 60_000) / (SECONDS * 1000)) * 0.9, 100);
  const heap = [];
  const sseOpen = [];
  const held = [];
  const sampler = setInterval(() => {
    rss.push(rssMb());
    held.push(clients.filter((c) => c.open).length);
    // the server's own figures (prom-client): V8 heap in use, open event streams
    fetch(new URL('/metrics', eventsUrl))
      .then((r) => r.text())
      .then((text) => {
        const used = /^rootline_nodejs_heap_size_used_bytes (\S+)/m.exec(text)?.[1];
        const open = /^rootline_sse_clients (\S+)/m.exec(text)?.[1];
        if (used) heap.push(Number(used) / 1048576);
        if (open) sseOpen.push(Number(open));
      })
      .catch(() => undefined);
  }, 1000);
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  await writer;
  // let the last tick reach everyone
  await new Promise((r) => setTimeout(r, 3000));
  clearInterval(sampler);
  stopping = true;
  const elapsed = (performance.now() - t0) / 1000;
  for (const c of clients) c.req.destroy();

  const drops = clients.reduce((a, c) => a + c.drops, 0);
  const lastIds = new Set(clients.map((c) => c.lastId));
  const events = clients.reduce((a, c) => a + c.events, 0);
  const bytes = clients.reduce((a, c) => a + c.bytes, 0);
  const sorted = spreads.slice().sort((a, b) => a - b);
  const q = (p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : 0);
  const live = await (await fetch(url.replace('/live/', '/api/live/'))).json();
  out(`duration ${elapsed.toFixed(1)} s · ${replay.written} lines written · ${live.status.analyses} analyses · last event id ${live.status.lastEventId}`);
  out(`dropped connections: ${drops}${drops ? ` (last: ${clients.find((c) => c.drops)?.lastWhy})` : ''} · connects ${clients.reduce((a, c) => a + c.connects, 0)} for ${CLIENTS} clients`);
  const perClient = clients.map((c) => c.events).sort((a, b) => a - b);
  const heldAfterStart = held.slice(2);
  out(`connections held by the viewers (sampled every 1 s from the 3rd second): min ${Math.min(...heldAfterStart)}, max ${Math.max(...heldAfterStart)} of ${CLIENTS}; reconnects ${clients.reduce((a, c) => a + c.connects, 0) - CLIENTS}`);
  out(`events delivered: ${events} (${(events / CLIENTS).toFixed(1)} per viewer: min ${perClient[0]}, median ${perClient[Math.floor(CLIENTS / 2)]}, max ${perClient[CLIENTS - 1]}), ${(bytes / 1e6).toFixed(1)} MB; all viewers at the same last id: ${lastIds.size === 1 ? 'yes' : `no (${[...lastIds].join(', ')})`}`);
  const minutes = elapsed / 60;
  out(`bytes per viewer per minute: ${(bytes / CLIENTS / minutes / 1e6).toFixed(3)} MB (${[...byType].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${(v / CLIENTS / minutes / 1e3).toFixed(1)} kB`).join(', ')})`);
  out(`delivery spread (first to last viewer, per event): p50 ${q(0.5).toFixed(1)} ms, p99 ${q(0.99).toFixed(1)} ms, max ${q(1).toFixed(1)} ms`);
  out(`open streams seen by the server: max ${Math.max(...sseOpen)}`);
  out(`server V8 heap in use: min ${Math.min(...heap).toFixed(0)} MB, max ${Math.max(...heap).toFixed(0)} MB, end ${heap[heap.length - 1]?.toFixed(0)} MB`);
  out(`server RSS: before ${rss[0].toFixed(0)} MB, max ${Math.max(...rss).toFixed(0)} MB, end ${rss[rss.length - 1].toFixed(0)} MB (samples every 1 s: ${rss.map((x) => x.toFixed(0)).join(' ')})`);

  agent.destroy();
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  rmSync(work, { recursive: true, force: true });
  return { bytesPerViewerMinute: bytes / CLIENTS / minutes, clients: CLIENTS, drops, same: lastIds.size === 1, rssBefore: rss[0], rssMax: Math.max(...rss), rssEnd: rss[rss.length - 1], heapMax: Math.max(...heap), events: events / CLIENTS };
}

// The baseline, in the same run: one viewer of the same replay. What 200 viewers cost is the
// difference; with --no-baseline only the 200 run.
const base = args.includes('--no-baseline') ? undefined : await runOnce(1);
if (base) out('');
const full = await runOnce(VIEWERS);
if (base) {
  out('');
  out(`against the 1-viewer baseline of the same replay: peak RSS ${full.rssMax.toFixed(0)} MB vs ${base.rssMax.toFixed(0)} MB (x${(full.rssMax / base.rssMax).toFixed(2)}), peak V8 heap ${full.heapMax.toFixed(0)} MB vs ${base.heapMax.toFixed(0)} MB (x${(full.heapMax / base.heapMax).toFixed(2)}); per viewer ${((full.rssMax - base.rssMax) / (VIEWERS - 1) * 1024).toFixed(0)} kB of peak RSS`);
}
process.exit(full.drops === 0 && full.same ? 0 : 1);
