import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { TEMPLATES_DIR } from '../../../server/config.js';
import { LIVE_PUBLIC_DIR, LiveHub, loadLivePage, type LiveDeps } from '../../../server/live/index.js';
import { NotesStore } from '../../../server/store/index.js';
import { buildTestApp } from '../helpers.js';

function liveDeps(notes = NotesStore.openInMemory()): LiveDeps {
  const hub = new LiveHub({ openNotes: () => notes, defaults: { windowMs: 30 * 60_000, intervalMs: 100, clock: 'data' } });
  return { hub, page: loadLivePage(TEMPLATES_DIR), publicDir: LIVE_PUBLIC_DIR };
}

async function liveApp(t: { after: (fn: () => Promise<void>) => void }, live = liveDeps()): Promise<FastifyInstance> {
  const { app } = await buildTestApp({ defaultAnalysis: undefined, live });
  t.after(() => app.close());
  return app;
}

const start = (app: FastifyInstance, payload: object) => app.inject({ method: 'POST', url: '/api/live', payload });

async function waitLive(app: FastifyInstance, id: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const r = await app.inject(`/api/live/${id}`);
    if (r.json().status.state === 'live') return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the session never analysed anything');
}

test('POST /api/live refuses bad requests with what to fix', async (t) => {
  const app = await liveApp(t);
  const rows: [object, string][] = [
    [{ source: { kind: 'files', name: 'nope' } }, 'Invalid source.name "nope", expecting one of: example'],
    [{ source: { kind: 'files' }, window: '10h0' }, 'Invalid request: body.window: Invalid window, expecting a duration such as 30m between 1m and 24h'],
    [{ source: { kind: 'files' }, interval: '1ms' }, 'Invalid request: body.interval: Invalid interval, expecting a duration such as 2s between 250ms and 10m'],
    [{ source: { kind: 'files' }, clock: 'sundial' }, 'Invalid request: body.clock: Invalid clock, expecting data or wall'],
    [{ source: { kind: 'files', path: '/etc' } }, 'Invalid request: body.source: Unrecognized key: "path"'],
  ];
  for (const [body, message] of rows) {
    const r = await start(app, body);
    assert.equal(r.statusCode, 400, JSON.stringify(body));
    assert.deepEqual(r.json(), { statusCode: 400, code: 'RL_ERR_INPUT_INVALID', error: 'Bad Request', message });
  }
  const missing = await app.inject('/api/live/no-such-session');
  assert.equal(missing.statusCode, 404);
  assert.equal(missing.json().code, 'RL_ERR_NOT_FOUND');
});

test('a second request for the same bundle joins the running session; DELETE stops it', async (t) => {
  const app = await liveApp(t);
  const a = await start(app, { source: { kind: 'files', name: 'example' }, window: '30m' });
  assert.equal(a.statusCode, 201);
  const { id, page, events } = a.json();
  assert.equal(page, `/live/${id}`);
  assert.equal(events, `/api/live/${id}/events`);
  const b = await start(app, { source: { kind: 'files' } });
  assert.equal(b.statusCode, 200, 'same bundle, same settings: shared');
  assert.equal(b.json().id, id);
  const c = await start(app, { source: { kind: 'files' }, window: '10m' });
  assert.equal(c.statusCode, 201, 'another window is another analysis');
  assert.equal((await app.inject('/api/live')).json().sessions.length, 2);
  assert.equal((await app.inject({ method: 'DELETE', url: `/api/live/${id}` })).statusCode, 204);
  assert.equal((await app.inject({ method: 'DELETE', url: `/api/live/${id}` })).statusCode, 404);
});

test('notes: added, listed, on the page and in the postmortems, always escaped', async (t) => {
  const app = await liveApp(t);
  const { id } = (await start(app, { source: { kind: 'files' } })).json();
  await waitLive(app, id);
  const hostile = '<script>alert(1)</script> **rolled back** | `x`';
  const bad = await app.inject({ method: 'POST', url: `/api/live/${id}/notes`, payload: { text: '   ' } });
  assert.equal(bad.json().message, 'Invalid request: body.text: Invalid text, expecting the note (1 to 2000 characters)');
  const gone = await app.inject({ method: 'POST', url: `/api/live/${id}/notes`, payload: { text: 'x', entryId: 'e000000000000' } });
  assert.equal(gone.json().message, 'Invalid entryId "e000000000000": no such entry in the live timeline');

  const live = (await app.inject(`/api/live/${id}`)).json();
  const entry = live.report.timeline.find((e: { inChain: boolean }) => e.inChain);
  const created = await app.inject({ method: 'POST', url: `/api/live/${id}/notes`, payload: { text: hostile, author: 'alice', entryId: entry.id } });
  assert.equal(created.statusCode, 201);
  const note = created.json();
  assert.equal(note.text, hostile);
  assert.deepEqual(note.entry, { id: entry.id, lane: entry.lane, title: entry.title });
  assert.equal(note.atMs, entry.atMs);
  assert.deepEqual((await app.inject(`/api/live/${id}/notes`)).json().notes, [note]);

  const page = await app.inject(`/live/${id}`);
  assert.equal(page.statusCode, 200);
  assert.match(page.headers['content-security-policy'] as string, /script-src 'self'/);
  assert.equal(page.body.includes('<script>alert(1)'), false);
  assert.ok(page.body.includes('&lt;script&gt;alert(1)&lt;/script&gt;'), 'escaped in the notes list');

  const md = await app.inject(`/api/live/${id}/postmortem.md`);
  assert.equal(md.statusCode, 200);
  assert.ok(md.body.includes('Note by alice: &lt;script&gt;alert(1)&lt;/script&gt; \\*\\*rolled back\\*\\* \\| \\`x\\`'), md.body.split('\n').filter((l) => l.includes('alice')).join('\n'));
  const html = await app.inject(`/api/live/${id}/postmortem.html`);
  assert.ok(html.body.includes('Note by alice: &lt;script&gt;alert(1)&lt;/script&gt;'));
  assert.equal(html.body.includes('<script>alert'), false);

  assert.equal((await app.inject({ method: 'DELETE', url: `/api/live/${id}/notes/${note.id}` })).statusCode, 204);
  assert.equal((await app.inject({ method: 'DELETE', url: `/api/live/${id}/notes/${note.id}` })).statusCode, 404);
});

test('the event stream: a snapshot first, then events with growing ids; Last-Event-ID resumes', async (t) => {
  const app = await liveApp(t);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  assert.ok(address && typeof address === 'object');
  const base = `http://127.0.0.1:${address.port}`;
  const { id } = (await start(app, { source: { kind: 'files' } })).json();
  await waitLive(app, id);

  const first = await openStream(`${base}/api/live/${id}/events`);
  t.after(() => first.close());
  const snap = await first.next((e) => e.event === 'snapshot');
  assert.equal(first.headers.get('content-type'), 'text/event-stream');
  const snapshot = JSON.parse(snap.data);
  assert.equal(snapshot.report.hypotheses[0].cause, 'etcd-disk-latency');
  assert.equal(snapshot.banner.rootCause.causeId, 'etcd-disk-latency');
  await app.inject({ method: 'POST', url: `/api/live/${id}/notes`, payload: { text: 'moved etcd to SSD' } });
  const noted = await first.next((e) => e.event === 'note');
  assert.ok(Number(noted.id) > Number(snap.id), 'ids only grow');
  assert.equal(JSON.parse(noted.data).entry.lane, 'notes');
  first.close();

  // reconnecting after the snapshot: what it missed (the note among it), no snapshot
  const again = await openStream(`${base}/api/live/${id}/events`, snap.id);
  t.after(() => again.close());
  const firstBack = await again.next((e) => e.id !== undefined);
  assert.notEqual(firstBack.event, 'snapshot');
  assert.equal(Number(firstBack.id), Number(snap.id) + 1, 'the first event after the one it had');
  const replayed = firstBack.event === 'note' ? firstBack : await again.next((e) => e.event === 'note');
  assert.equal(replayed.id, noted.id);
});

test('`/` of a server with a default live session is that session\'s page', async (t) => {
  const live = liveDeps();
  const app = await liveApp(t, live);
  const { session } = live.hub.start({ sourceName: 'example', dir: 'examples/etcd-disk-latency' }, true);
  const r = await app.inject('/');
  assert.equal(r.statusCode, 302);
  assert.equal(r.headers.location, `/live/${session.id}`);
  const head = await app.inject({ method: 'HEAD', url: '/' });
  assert.deepEqual([head.statusCode, head.headers.location], [302, `/live/${session.id}`], 'HEAD too (curl -I, link checkers)');
  const js = await app.inject('/static/live/live.js');
  assert.equal(js.statusCode, 200);
  assert.match(js.headers['content-type'] as string, /javascript/);
  assert.equal((await app.inject('/static/live/war-room.css')).statusCode, 404, 'only its own files');
});

interface SseEvent {
  id?: string;
  event?: string;
  data: string;
}

/** A minimal EventSource over fetch: reads events until `next` finds one. */
async function openStream(url: string, lastEventId?: string) {
  const ac = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...(lastEventId ? { 'last-event-id': lastEventId } : {}) }, signal: ac.signal });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const queue: SseEvent[] = [];
  return {
    headers: res.headers,
    close: () => ac.abort(),
    async next(match: (e: SseEvent) => boolean): Promise<SseEvent> {
      for (;;) {
        const i = queue.findIndex(match);
        if (i >= 0) return queue.splice(0, i + 1)[i]!;
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        buffer += decoder.decode(value, { stream: true });
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const e: SseEvent = { data: '' };
          for (const line of block.split('\n')) {
            if (line.startsWith('id: ')) e.id = line.slice(4);
            else if (line.startsWith('event: ')) e.event = line.slice(7);
            else if (line.startsWith('data: ')) e.data += line.slice(6);
          }
          if (e.event) queue.push(e);
        }
      }
    },
  };
}
