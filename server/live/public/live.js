// rootline live war room: follows the session's event stream (server-sent events) and keeps the
// page current: the banner (root cause, confidence, alternatives), the timeline and sparklines
// (handed to war-room.js as a 'rootline:report' event), newly detected symptoms, notes and marks.
// Plain browser JavaScript. Every piece of data reaches the page through textContent, never innerHTML.
(function () {
  'use strict';

  // A `series` event: all the sparklines (the session's first), or what changed since the last one
  // (server/live/diff-report.ts diffSeries): points appended after those that left the window,
  // a moved threshold line, whole series replaced, ids removed, the order when it changed.
  function applySeriesDelta(prev, d) {
    if (d.series) return d.series;
    var byId = new Map(prev.map(function (s) { return [s.id, s]; }));
    d.removed.forEach(function (id) { byId.delete(id); });
    d.replaced.forEach(function (s) { byId.set(s.id, s); });
    d.appended.forEach(function (a) {
      var p = byId.get(a.id);
      if (!p) return;
      var copy = Object.assign({}, p);
      copy.t = p.t.slice(a.drop, a.drop + a.keep).concat(a.t);
      copy.v = p.v.slice(a.drop, a.drop + a.keep).concat(a.v);
      if (a.threshold !== undefined) copy.threshold = a.threshold;
      byId.set(a.id, copy);
    });
    var order = d.order || prev.map(function (s) { return s.id; }).filter(function (id) { return byId.has(id); });
    return order.map(function (id) { return byId.get(id); }).filter(function (s) { return s !== undefined; });
  }
  // for tests outside a browser (test/server/live/series-delta.test.ts)
  (typeof window !== 'undefined' ? window : globalThis).rootlineLive = { applySeriesDelta: applySeriesDelta };

  var liveEl = document.getElementById('live');
  if (!liveEl) return;
  var live = JSON.parse(liveEl.textContent || '{}');
  var reportEl = document.getElementById('report');
  var report = reportEl ? JSON.parse(reportEl.textContent || 'null') : null;
  var notes = (live.notes || []).slice();
  var status = null;
  var statusAt = 0;
  var connection = 'connecting';
  var chartFrame = 0;
  var selectedEntry = null;

  var statusEl = document.getElementById('live-status');
  var bannerEl = document.getElementById('root-cause');
  var waitingEl = document.getElementById('waiting');
  var notesEl = document.getElementById('notes');
  var toastsEl = document.getElementById('toasts');
  var titleEl = document.getElementById('page-title');

  // ---- helpers ------------------------------------------------------------------------------

  function pad(n) { return String(n).padStart(2, '0'); }
  function fmtTime(ms) {
    var d = new Date(ms);
    return pad(d.getUTCHours()) + ':' + pad(d.getUTCMinutes()) + ':' + pad(d.getUTCSeconds());
  }
  function node(tag, cls, textContent, parent) {
    var n = document.createElement(tag);
    if (cls) n.className = cls;
    if (textContent !== undefined && textContent !== null) n.textContent = String(textContent);
    if (parent) parent.appendChild(n);
    return n;
  }
  function humanize(id) { return String(id).replace(/-/g, ' '); }

  // ---- the stream ---------------------------------------------------------------------------

  // The page was rendered with the state up to lastEventId: the first connection asks for what
  // came after it; on reconnects the browser sends Last-Event-ID itself (the server prefers it).
  var source = new EventSource(live.eventsUrl + '?after=' + encodeURIComponent(String(live.lastEventId)));
  source.onopen = function () { connection = 'live'; renderStatus(); };
  source.onerror = function () { connection = source.readyState === 2 ? 'closed' : 'reconnecting'; renderStatus(); };

  function on(type, fn) {
    source.addEventListener(type, function (ev) {
      var data;
      try { data = JSON.parse(ev.data); } catch (e) { return; }
      fn(data);
    });
  }

  on('snapshot', function (d) {
    // The chart is set up from the page: a page rendered before any data reloads once there is some.
    if (!report && d.report) { location.reload(); return; }
    report = d.report;
    notes = d.notes.map(noteView);
    if (d.banner) renderBanner(d.banner);
    applyStatus(d.status);
    renderNotes();
    scheduleChart();
  });

  on('timeline', function (d) {
    if (!report) return;
    var removed = new Set(d.removed);
    var changed = new Map(d.changed.map(function (e) { return [e.id, e]; }));
    report.timeline = report.timeline
      .filter(function (e) { return !removed.has(e.id); })
      .map(function (e) { return changed.get(e.id) || e; })
      .concat(d.added)
      .sort(function (a, b) { return a.atMs - b.atMs; });
    scheduleChart();
  });

  on('analysis', function (d) {
    if (!report) { location.reload(); return; }
    Object.keys(d.head).forEach(function (k) { report[k] = d.head[k]; });
    renderBanner(d.view);
    scheduleChart();
  });

  on('series', function (d) {
    if (!report) return;
    report.series = applySeriesDelta(report.series || [], d);
    scheduleChart();
  });

  on('symptoms', function (d) {
    d.detected.forEach(function (s) {
      toast('New symptom: ' + humanize(s.symptom) + ' on ' + s.lane + ' at ' + fmtTime(Date.parse(s.at)) + ' UTC');
    });
  });

  on('note', function (d) {
    // The page that wrote the note may already list it (from its POST answer): the entry is still new.
    if (!notes.some(function (n) { return n.id === d.note.id; })) {
      notes.push(noteView(d.note));
      renderNotes();
    }
    if (report && !report.timeline.some(function (e) { return e.id === d.entry.id; })) {
      report.timeline.push(d.entry);
      report.timeline.sort(function (a, b) { return a.atMs - b.atMs; });
      scheduleChart();
    }
  });

  on('note-deleted', function (d) {
    notes = notes.filter(function (n) { return n.id !== d.id; });
    renderNotes();
    if (report) {
      report.timeline = report.timeline.filter(function (e) { return e.id !== d.entryId; });
      scheduleChart();
    }
  });

  on('status', applyStatus);

  function applyStatus(s) {
    status = s;
    statusAt = Date.now();
    connection = 'live';
    if (report && s.window && (s.window.from !== report.window.from || s.window.to !== report.window.to)) {
      report.window = s.window;
      scheduleChart();
    }
    renderStatus();
  }

  function scheduleChart() {
    if (chartFrame) return;
    chartFrame = requestAnimationFrame(function () {
      chartFrame = 0;
      if (!report) return;
      if (waitingEl) waitingEl.hidden = true;
      document.dispatchEvent(new CustomEvent('rootline:report', { detail: report }));
    });
  }

  // ---- status line --------------------------------------------------------------------------

  function renderStatus() {
    if (!statusEl) return;
    var parts = [];
    var state = connection;
    if (connection === 'live') {
      if (!status || status.state === 'waiting') { state = 'waiting'; parts.push('Live · waiting for data'); }
      else parts.push('Live');
      if (status && status.window) parts.push('window ' + fmtTime(Date.parse(status.window.from)) + '–' + fmtTime(Date.parse(status.window.to)) + ' UTC');
      if (statusAt) parts.push('updated ' + Math.max(0, Math.round((Date.now() - statusAt) / 1000)) + ' s ago');
      if (status) parts.push(status.viewers + (status.viewers === 1 ? ' viewer' : ' viewers'));
      if (status && status.error) { state = 'error'; parts.push('problem: ' + status.error); }
    } else if (connection === 'reconnecting') parts.push('Connection lost · reconnecting…');
    else if (connection === 'closed') parts.push('Disconnected · reload the page');
    else parts.push('Connecting…');
    statusEl.dataset.state = state;
    statusEl.textContent = parts.join(' · ');
  }
  setInterval(renderStatus, 1000);

  // ---- banner -------------------------------------------------------------------------------

  function renderBanner(view) {
    if (!bannerEl || !view) return;
    var wasOpen = !!bannerEl.querySelector('details[open]');
    bannerEl.hidden = false;
    if (waitingEl) waitingEl.hidden = true;
    bannerEl.className = 'banner verdict-' + view.verdict;
    bannerEl.replaceChildren();
    var rc = view.rootCause;
    if (rc) {
      var kicker = node('p', 'kicker', 'Root cause · ', bannerEl);
      var conf = node('span', 'conf conf-' + rc.confidenceLevel, 'confidence ' + rc.confidence, kicker);
      conf.setAttribute('data-testid', 'confidence');
      node('h2', null, rc.title, bannerEl).id = 'root-cause-title';
      var culprit = node('p', 'culprit', 'Culprit: ', bannerEl);
      node('strong', null, rc.culprit, culprit).setAttribute('data-testid', 'culprit');
      culprit.appendChild(document.createTextNode(' · cause '));
      node('code', null, rc.causeId, culprit).setAttribute('data-testid', 'cause');
      culprit.appendChild(document.createTextNode(' · onset ' + rc.onset));
      node('p', 'explanation', rc.explanation, bannerEl);
    } else {
      node('p', 'kicker', 'Verdict', bannerEl);
      node('h2', null, view.verdictLabel, bannerEl).id = 'root-cause-title';
    }
    node('p', 'summary', view.summary, bannerEl);
    if (rc && rc.chain.length) {
      var ol = node('ol', 'chain-steps', null, bannerEl);
      ol.setAttribute('aria-label', 'Causal chain');
      rc.chain.forEach(function (link) {
        var li = node('li', null, null, ol);
        li.setAttribute('data-step', link.step);
        node('span', 'step', link.step, li);
        li.appendChild(document.createTextNode(' '));
        node('b', null, link.symptom, li);
        li.appendChild(document.createTextNode(' '));
        node('span', 'when', link.time, li);
        li.appendChild(document.createTextNode(' '));
        node('span', 'where', link.where, li);
        if (link.lag) { li.appendChild(document.createTextNode(' ')); node('span', 'lag', '+' + link.lag, li); }
      });
    }
    var details = node('details', 'alternatives', null, bannerEl);
    details.id = 'alternatives';
    details.open = wasOpen;
    node('summary', null, 'Alternatives considered (' + view.alternatives.length + ')', details);
    if (!view.alternatives.length) node('p', null, 'No other cause was considered.', details);
    view.alternatives.forEach(function (alt) {
      var div = node('div', 'alt', null, details);
      var h3 = node('h3', null, alt.rank + '. ' + alt.title + ' ', div);
      node('code', null, alt.causeId, h3);
      h3.appendChild(document.createTextNode(' '));
      node('span', 'conf conf-' + alt.confidenceLevel, 'confidence ' + alt.confidence, h3);
      node('p', null, alt.explanation, div);
      var ul = node('ul', null, null, div);
      if (!alt.evidenceAgainst.length) node('li', null, 'Less of its expected evidence was found.', ul);
      alt.evidenceAgainst.forEach(function (ev) {
        var li = node('li', null, 'Against: ' + ev.claim, ul);
        if (ev.source) { li.appendChild(document.createTextNode(' ')); node('span', 'source', ev.source, li); }
      });
      alt.missing.forEach(function (m) { node('li', null, 'Missing: ' + m, ul); });
    });
    if (titleEl) titleEl.textContent = view.title;
    document.title = view.title + ' · rootline live war room';
    var panel = document.querySelector('.timeline-panel');
    if (panel) panel.hidden = false;
  }

  // ---- symptoms -----------------------------------------------------------------------------

  function toast(message) {
    if (!toastsEl) return;
    var li = node('li', 'toast', message, toastsEl);
    while (toastsEl.children.length > 5) toastsEl.removeChild(toastsEl.firstChild);
    setTimeout(function () { if (li.parentNode) li.parentNode.removeChild(li); }, 20000);
  }

  // ---- notes and marks ----------------------------------------------------------------------

  function noteView(n) {
    return { id: n.id, atMs: n.atMs, time: fmtTime(n.atMs), author: n.author || 'a responder', text: n.text, entryTitle: n.entry ? n.entry.title : '' };
  }

  function renderNotes() {
    if (!notesEl) return;
    notesEl.replaceChildren();
    notes.sort(function (a, b) { return a.atMs - b.atMs || a.id - b.id; }).forEach(function (n) {
      var li = node('li', null, null, notesEl);
      li.setAttribute('data-note-id', n.id);
      node('span', 'when', n.time || fmtTime(n.atMs), li);
      li.appendChild(document.createTextNode(' '));
      node('b', 'who', n.author, li);
      li.appendChild(document.createTextNode(' '));
      node('span', 'what', n.text, li);
      if (n.entryTitle) { li.appendChild(document.createTextNode(' ')); node('span', 'on', 'on: ' + n.entryTitle, li); }
    });
  }

  var authorInput = document.getElementById('note-author');
  try { if (authorInput) authorInput.value = localStorage.getItem('rootline-author') || ''; } catch (e) { /* storage may be off */ }

  function postNote(body, form, errorEl) {
    var author = authorInput ? authorInput.value.trim() : '';
    if (author) body.author = author;
    try { localStorage.setItem('rootline-author', author); } catch (e) { /* ignore */ }
    var button = form.querySelector('button[type="submit"]');
    if (button) button.disabled = true;
    if (errorEl) errorEl.textContent = '';
    return fetch(live.notesUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
      .then(function (res) {
        return res.json().then(function (json) {
          if (!res.ok) throw new Error(json && json.message ? json.message : 'the note was not saved (' + res.status + ')');
          // The stream brings it to every viewer; this page shows it at once.
          if (!notes.some(function (n) { return n.id === json.id; })) { notes.push(noteView(json)); renderNotes(); }
          form.reset();
          if (authorInput) authorInput.value = author;
        });
      })
      .catch(function (err) { if (errorEl) errorEl.textContent = err.message; else toast(err.message); })
      .finally(function () { if (button) button.disabled = false; });
  }

  var noteForm = document.getElementById('note-form');
  if (noteForm) {
    noteForm.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var text = document.getElementById('note-text').value.trim();
      if (text) postNote({ text: text }, noteForm, document.getElementById('note-error'));
    });
  }

  var markForm = document.getElementById('mark-form');
  document.addEventListener('rootline:entry', function (ev) {
    selectedEntry = ev.detail && ev.detail.kind !== 'note' ? ev.detail : null;
    if (markForm) markForm.hidden = !selectedEntry;
  });
  if (markForm) {
    markForm.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var text = document.getElementById('mark-text').value.trim();
      if (text && selectedEntry) postNote({ text: text, entryId: selectedEntry.id }, markForm, null);
    });
  }

  renderNotes();
  renderStatus();
})();
