// Untrusted text in the event stream (SSE) of a live war room: notes carrying XSS and template
// payloads and SSE framing (blank lines, `event:` / `data:` / `id:` fields, CR, CRLF, U+2028) come
// out of the real stream as one `note` event each, whose data is JSON holding the exact text, and
// never as an event or field of their own. The page and the postmortems escape notes (see
// test/server/live/live-routes.test.ts); this is the stream.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { TEMPLATES_DIR } from '../../server/config.js';
import { LIVE_PUBLIC_DIR, LiveHub, loadLivePage } from '../../server/live/index.js';
import { NotesStore } from '../../server/store/index.js';
import { buildTestApp } from '../server/helpers.js';
import { PAYLOADS } from './payloads.js';

const FRAMING = [
  'ok\n\nevent: snapshot\ndata: {"forged":1}\n\n',
  'ok\r\rid: 999999\r\revent: forged\r\r',
  'ok\r\n\r\nevent: forged\r\ndata: {"forged":2}\r\n\r\n',
  'retry: 1\n: comment\ndata: x',
  'line\u2028separator\u2029and\u0000nul',
];

interface RawEvent {
  fields: [string, string][];
}

/** Splits the raw stream as a browser's EventSource does: events end at a blank line; CR, LF and CRLF end lines. */
function parseStream(raw: string): RawEvent[] {
  const events: RawEvent[] = [];
  let fields: [string, string][] = [];
  for (const line of raw.split(/\r\n|\r|\n/)) {
    if (line === '') {
      if (fields.length > 0) events.push({ fields });
      fields = [];
      continue;
    }
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const name = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    fields.push([name, value]);
  }
  return events;
}

test('notes with XSS, template and SSE-framing payloads: one well-formed note event each, the text intact', { timeout: 60_000 }, async (t) => {
  const hub = new LiveHub({ openNotes: () => NotesStore.openInMemory(), defaults: { windowMs: 30 * 60_000, intervalMs: 100, clock: 'data' } });
  const { app } = await buildTestApp({ defaultAnalysis: undefined, live: { hub, page: loadLivePage(TEMPLATES_DIR), publicDir: LIVE_PUBLIC_DIR } });
  t.after(() => app.close());
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const { id } = (await app.inject({ method: 'POST', url: '/api/live', payload: { source: { kind: 'files' } } })).json() as { id: string };
  for (let i = 0; i < 200; i++) {
    if ((await app.inject(`/api/live/${id}`)).json().status.state === 'live') break;
    await new Promise((r) => setTimeout(r, 50));
  }

  const texts = [...PAYLOADS, ...FRAMING];
  const ac = new AbortController();
  t.after(() => ac.abort());
  const res = await fetch(`${base}/api/live/${id}/events`, { headers: { accept: 'text/event-stream' }, signal: ac.signal });
  assert.equal(res.headers.get('content-type'), 'text/event-stream');
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let raw = '';
  const events = (): RawEvent[] => parseStream(raw.slice(0, Math.max(raw.lastIndexOf('\n\n'), 0) + 2));
  const readUntil = async (ok: () => boolean): Promise<void> => {
    while (!ok()) {
      const { value, done } = await reader.read();
      if (done) assert.fail('the stream ended');
      raw += decoder.decode(value, { stream: true });
    }
  };
  const named = (name: string) => events().filter((e) => e.fields.some(([k, v]) => k === 'event' && v === name));
  await readUntil(() => named('snapshot').length === 1);

  for (const text of texts) {
    const r = await app.inject({ method: 'POST', url: `/api/live/${id}/notes`, payload: { text, author: text.slice(0, 40) } });
    assert.equal(r.statusCode, 201, r.body);
  }
  await readUntil(() => named('note').length >= texts.length);

  const all = events();
  assert.deepEqual(all.flatMap((e) => e.fields.filter(([k]) => k === 'event').map(([, v]) => v)).filter((n) => n !== 'note' && n !== 'snapshot' && n !== 'status' && n !== 'report' && n !== 'diff'), [], 'no forged event names');
  assert.equal(named('snapshot').length, 1, 'no forged snapshot');
  for (const e of all) {
    assert.deepEqual(e.fields.map(([k]) => k).filter((k) => !['id', 'event', 'data'].includes(k)), [], 'only id, event and data fields');
    assert.ok(e.fields.filter(([k]) => k === 'id').every(([, v]) => /^\d+$/.test(v)), 'ids are numbers');
    const data = e.fields.filter(([k]) => k === 'data').map(([, v]) => v).join('\n');
    assert.doesNotThrow(() => JSON.parse(data), `data is JSON: ${data.slice(0, 120)}`);
    assert.ok(!data.includes('"forged"') || data.includes('\\"forged\\"'), 'a forged payload only inside a JSON string');
  }
  const notes = named('note').map((e) => JSON.parse(e.fields.filter(([k]) => k === 'data').map(([, v]) => v).join('\n')) as { note: { text: string; author: string } });
  assert.deepEqual(notes.map((n) => n.note.text), texts.map((s) => s.trim()), 'each text intact, in order');
});
