/**
 * Escaping of untrusted text (log lines, event messages, series labels) for the places we put it.
 * HTML is escaped by handlebars `{{ }}`; these cover Markdown and JSON inside `<script>`.
 */

/**
 * Makes `text` inert inline Markdown: newlines become spaces (so nothing can start a heading, list
 * or fence), `<`, `>` and `&` become entities (no raw HTML, no autolinks), and the characters that
 * open inline markup are backslash-escaped: `*` `_` emphasis, backtick code spans, `[` `]` links
 * and images (so `(`, `)` and `!` stay plain), `|` table cells, `~` strikethrough, `\` itself. A
 * leading list or heading marker (`- `, `+ `, `# `, `1. `, `---`) is escaped in case a template puts
 * the value at a line start; `-1.2 s` or `1.4 s` stay as they are.
 * Intraword `_` stays (`etcd_disk`), as CommonMark never reads it as emphasis.
 * @see https://spec.commonmark.org/0.31.2/#backslash-escapes
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/\r\n?|\n|\u2028|\u2029/g, ' ')
    .replace(/[\\`*[\]|~]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])/g, (c) => `\\${c}`)
    .replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'))
    // Block markers only count at a line start and followed by a space (or repeated: `---`, `===`).
    .replace(/^(\s*)([-=+#])(?=[\s\-=#]|$)/, '$1\\$2')
    .replace(/^(\s*\d{1,9})([.)])(?=\s|$)/, '$1\\$2');
}

/**
 * JSON that can sit inside `<script type="application/json">`: `<`, `>`, `&` and the JS line
 * separators are written as `\u` escapes, so no `</script>` or `<!--` can end the element.
 * @see https://html.spec.whatwg.org/multipage/scripting.html#restrictions-for-contents-of-script-elements
 */
export function serializeJsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
