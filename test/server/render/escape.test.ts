import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeMarkdown, serializeJsonForScript } from '../../../server/render/index.js';

test('escapeMarkdown makes hostile text inert', async (t) => {
  const rows: { name: string; input: string; expected: string }[] = [
    // Raw HTML would run in renderers that allow it: entities instead.
    { name: 'script tag', input: '<script>alert(1)</script>', expected: '&lt;script&gt;alert(1)&lt;/script&gt;' },
    { name: 'img onerror', input: '<img src=x onerror=alert(1)>', expected: '&lt;img src=x onerror=alert(1)&gt;' },
    // A link needs [text](url): escaping the brackets leaves no link at all.
    { name: 'javascript link', input: '[x](javascript:alert(1))', expected: '\\[x\\](javascript:alert(1))' },
    { name: 'image', input: '![a](http://evil/x.png)', expected: '!\\[a\\](http://evil/x.png)' },
    // Code spans would swallow the rest of the line.
    { name: 'backticks', input: '`rm -rf /` and ``x``', expected: '\\`rm -rf /\\` and \\`\\`x\\`\\`' },
    // A pipe ends a table cell.
    { name: 'pipes in a table cell', input: 'a | b', expected: 'a \\| b' },
    // A newline could start a heading, a list or a fence.
    { name: 'newlines', input: 'one\n# two\r\n```', expected: 'one # two \\`\\`\\`' },
    { name: 'leading heading mark', input: '# title', expected: '\\# title' },
    { name: 'leading list mark', input: '- item', expected: '\\- item' },
    { name: 'leading ordered list', input: '1. item', expected: '1\\. item' },
    { name: 'leading thematic break', input: '---', expected: '\\---' },
    // Numbers at the start are not markers: no needless backslashes in durations and offsets.
    { name: 'leading decimal', input: '1.4 s', expected: '1.4 s' },
    { name: 'leading negative number', input: '-1.2 s', expected: '-1.2 s' },
    { name: 'emphasis', input: '*bold* _it_', expected: '\\*bold\\* \\_it\\_' },
    // Intraword underscores never emphasise (CommonMark): metric names stay readable.
    { name: 'intraword underscore', input: 'etcd_disk_wal', expected: 'etcd_disk_wal' },
    { name: 'strikethrough', input: '~~x~~', expected: '\\~\\~x\\~\\~' },
    { name: 'backslash', input: 'a\\b', expected: 'a\\\\b' },
    { name: 'entity', input: '&lt;', expected: '&amp;lt;' },
    { name: 'plain text unchanged', input: 'slow fdatasync (1.2 s) at 09:02:21', expected: 'slow fdatasync (1.2 s) at 09:02:21' },
  ];
  for (const row of rows) {
    await t.test(row.name, () => assert.equal(escapeMarkdown(row.input), row.expected));
  }
});

test('serializeJsonForScript cannot close the script element and round-trips', () => {
  const value = { text: '</script><script>alert(1)</script><!-- & \u2028' };
  const json = serializeJsonForScript(value);
  assert.doesNotMatch(json, /[<>&\u2028]/);
  assert.deepEqual(JSON.parse(json), value);
});
