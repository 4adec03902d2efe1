// rootline war room: draws the swimlanes, sparklines and causal chain of the report embedded in
// the page (<script type="application/json" id="report">) on one zoomable time axis.
// Plain browser JavaScript, no framework. Every piece of data reaches the page through
// textContent or an SVG attribute, never through innerHTML.
(function () {
  'use strict';

  var SVG_NS = 'http://www.w3.org/2000/svg';
  // Lanes in the order a control-plane incident usually travels: hardware, etcd, API, consumers.
  var COMPONENT_ORDER = ['node', 'kernel', 'etcd', 'kube-apiserver', 'audit', 'admission-webhook', 'kube-controller-manager',
    'kube-scheduler', 'kubelet', 'coredns', 'cni', 'image-registry', 'events', 'other'];
  var SEVERITY_RANK = { info: 0, warn: 1, error: 2 };
  var SEVERITY_WORD = { info: 'info', warn: 'warning', error: 'error' };
  // Above this many visible entries, lanes show per-pixel-column counts instead of markers.
  var AGGREGATE_ABOVE = 2000;
  var MIN_SPAN_MS = 1000;
  var TICK_STEPS_MS = [1e3, 2e3, 5e3, 10e3, 15e3, 30e3, 60e3, 120e3, 300e3, 600e3, 900e3, 1800e3, 3600e3, 7200e3, 21600e3, 43200e3, 86400e3];

  setupFontToggle();
  var dataEl = document.getElementById('report');
  var chart = document.getElementById('chart');
  if (!dataEl || !chart) return;
  var report = JSON.parse(dataEl.textContent || 'null');
  if (!report) return;

  var fullFrom = Date.parse(report.window.from);
  var fullTo = Date.parse(report.window.to);
  var view = { from: fullFrom, to: fullTo };
  var lanes = buildLanes(report.timeline);
  var seriesRows = sortSeries(report.series);
  var chainPoints = buildChainPoints(report.chain, lanes);
  var selectedId = null;
  var layout = null;
  var frame = 0;
  // A live page (body data-live) follows the newest time until the user pans or zooms back.
  var live = document.body.dataset.live === 'true';
  var following = live;

  // A live page swaps in each new report: the view keeps its span and, while following, the newest time.
  document.addEventListener('rootline:report', function (ev) {
    var next = ev.detail;
    if (!next || !next.window) return;
    var span = view.to - view.from;
    var whole = view.from <= fullFrom && view.to >= fullTo;
    report = next;
    fullFrom = Date.parse(report.window.from);
    fullTo = Date.parse(report.window.to);
    lanes = buildLanes(report.timeline);
    seriesRows = sortSeries(report.series);
    chainPoints = buildChainPoints(report.chain, lanes);
    if (following) setView(fullTo - (whole ? fullTo - fullFrom : span), fullTo);
    else setView(view.from, view.to);
  });

  // ---- data preparation -------------------------------------------------------------------

  function sortSeries(list) {
    return list.slice().sort(function (a, b) {
      return componentRank(a.component) - componentRank(b.component) || String(a.host || '').localeCompare(String(b.host || '')) || a.label.localeCompare(b.label);
    });
  }

  function componentRank(c) {
    var i = COMPONENT_ORDER.indexOf(c);
    return i < 0 ? COMPONENT_ORDER.length : i;
  }

  function buildLanes(entries) {
    var byKey = new Map();
    entries.forEach(function (e) {
      var lane = byKey.get(e.lane);
      if (!lane) {
        lane = { key: e.lane, component: e.component, host: e.host || '', entries: [] };
        byKey.set(e.lane, lane);
      }
      lane.entries.push(e);
    });
    var list = Array.from(byKey.values());
    list.forEach(function (l) { l.entries.sort(function (a, b) { return a.atMs - b.atMs; }); });
    list.sort(function (a, b) { return componentRank(a.component) - componentRank(b.component) || a.key.localeCompare(b.key); });
    return list;
  }

  // Each chain link sits on the lane of the chain entry with its symptom closest in time, else on
  // the lane of its component (and host).
  function buildChainPoints(chain, laneList) {
    return chain.map(function (link, i) {
      var ms = Date.parse(link.at);
      var best = null;
      report.timeline.forEach(function (e) {
        if (e.symptom !== link.symptom) return;
        var score = Math.abs(e.atMs - ms) - (e.inChain ? 1e12 : 0);
        if (!best || score < best.score) best = { score: score, lane: e.lane };
      });
      var laneKey = best ? best.lane : null;
      if (!laneKey) {
        var wanted = link.host ? link.component + '/' + link.host : link.component;
        var match = laneList.find(function (l) { return l.key === wanted; }) ||
          laneList.find(function (l) { return l.component === link.component; });
        laneKey = match ? match.key : null;
      }
      return { link: link, step: i + 1, ms: ms, laneKey: laneKey };
    });
  }

  // ---- formatting (UTC) -------------------------------------------------------------------

  function pad(n, w) { return String(n).padStart(w || 2, '0'); }
  function fmtTime(ms, withSeconds) {
    var d = new Date(ms);
    return pad(d.getUTCHours()) + ':' + pad(d.getUTCMinutes()) + (withSeconds === false ? '' : ':' + pad(d.getUTCSeconds()));
  }
  function fmtDate(ms) {
    var d = new Date(ms);
    return d.getUTCFullYear() + '-' + pad(d.getUTCMonth() + 1) + '-' + pad(d.getUTCDate());
  }
  function fmtPrecise(ms) {
    return fmtDate(ms) + ' ' + fmtTime(ms) + '.' + pad(new Date(ms).getUTCMilliseconds(), 3) + ' UTC';
  }
  function fmtDuration(ms) {
    if (ms < 1000) return Math.round(ms) + ' ms';
    if (ms < 60000) return (ms / 1000).toFixed(ms < 10000 ? 1 : 0).replace(/\.0$/, '') + ' s';
    var s = Math.round(ms / 1000);
    if (s < 3600) return Math.floor(s / 60) + ' min ' + pad(s % 60) + ' s';
    var m = Math.round(s / 60);
    return Math.floor(m / 60) + ' h ' + pad(m % 60) + ' min';
  }
  function fmtValue(v, unit) {
    if (v === null || v === undefined || !isFinite(v)) return '—';
    if (unit === 'ratio') return Math.round(v * 100) + ' %';
    if (unit === 's') return fmtDuration(v * 1000);
    if (unit === 'bytes') return v >= 1e9 ? (v / 1e9).toFixed(1) + ' GB' : v >= 1e6 ? (v / 1e6).toFixed(1) + ' MB' : Math.round(v / 1e3) + ' kB';
    if (unit === 'per_s') return (v < 10 ? v.toFixed(2) : Math.round(v)) + '/s';
    if (unit === 'bool') return v ? 'yes' : 'no';
    return (Number.isInteger(v) ? v : v.toFixed(2)) + ' ' + unit;
  }
  function describeRef(ref) {
    if (ref.file) return ref.line !== undefined ? ref.file + ':' + ref.line : ref.file;
    return ref.series || ref.sourceId;
  }

  // ---- SVG helpers ------------------------------------------------------------------------

  function el(name, attrs, parent) {
    var node = document.createElementNS(SVG_NS, name);
    if (attrs) Object.keys(attrs).forEach(function (k) { node.setAttribute(k, String(attrs[k])); });
    if (parent) parent.appendChild(node);
    return node;
  }
  function text(parent, x, y, content, cls, anchor) {
    var t = el('text', { x: x, y: y, class: cls || '' }, parent);
    if (anchor) t.setAttribute('text-anchor', anchor);
    t.textContent = content;
    return t;
  }
  function title(parent, content) {
    el('title', null, parent).textContent = content;
  }
  function shape(parent, severity, x, y, r) {
    var cls = 'mark sev-' + severity;
    if (severity === 'note') return el('path', { d: 'M' + x + ' ' + (y - r * 1.3) + ' L' + (x + r * 1.3) + ' ' + y + ' L' + x + ' ' + (y + r * 1.3) + ' L' + (x - r * 1.3) + ' ' + y + ' Z', class: cls }, parent);
    if (severity === 'error') return el('rect', { x: x - r, y: y - r, width: 2 * r, height: 2 * r, class: cls }, parent);
    if (severity === 'warn') return el('path', { d: 'M' + x + ' ' + (y - r * 1.2) + ' L' + (x + r * 1.15) + ' ' + (y + r) + ' L' + (x - r * 1.15) + ' ' + (y + r) + ' Z', class: cls }, parent);
    return el('circle', { cx: x, cy: y, r: r, class: cls }, parent);
  }

  // ---- rendering --------------------------------------------------------------------------

  function scale() {
    return parseFloat(getComputedStyle(document.documentElement).fontSize) / 16 || 1;
  }

  function render() {
    frame = 0;
    var s = scale();
    var width = Math.max(chart.clientWidth, 320);
    var gutter = Math.round(Math.min(260 * s, Math.max(120 * s, width * 0.2)));
    var right = Math.round(70 * s);
    var axisH = Math.round(30 * s);
    var laneH = Math.round(30 * s);
    var seriesH = Math.round(50 * s);
    var headH = Math.round(24 * s);
    var markH = report.onset || report.detection ? Math.round(18 * s) : 0;
    var plotW = width - gutter - right;
    var lanesTop = axisH + markH;
    var seriesTop = lanesTop + lanes.length * laneH + (seriesRows.length ? headH : 0);
    var height = seriesTop + seriesRows.length * seriesH + 8;
    var span = view.to - view.from;
    var x = function (ms) { return gutter + ((ms - view.from) / span) * plotW; };
    layout = { gutter: gutter, plotW: plotW, axisH: axisH, height: height, x: x, s: s };

    var svg = el('svg', { width: width, height: height, class: 'chart-svg', role: 'group', 'aria-label': 'Timeline from ' + fmtPrecise(view.from) + ' to ' + fmtPrecise(view.to) });
    var defs = el('defs', null, svg);
    // The arrowhead stops at the ring around the target (ring radius 10*s px = 11 units of 0.9*s px).
    var marker = el('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 21, refY: 5, markerUnits: 'userSpaceOnUse', markerWidth: 9 * s, markerHeight: 9 * s, orient: 'auto-start-reverse' }, defs);
    el('path', { d: 'M0 0 L10 5 L0 10 Z', class: 'chain-arrowhead' }, marker);
    var clip = el('clipPath', { id: 'plot-clip' }, defs);
    el('rect', { x: gutter - 12 * s, y: 0, width: plotW + 24 * s, height: height }, clip);

    drawAxis(svg, x, axisH, height, plotW, gutter, s);
    var visible = countVisible();
    drawLanes(svg, x, lanesTop, laneH, width, gutter, s, visible > AGGREGATE_ABOVE);
    drawMarkers(svg, x, axisH, markH, height, s);
    drawSeries(svg, x, seriesTop, seriesH, headH, width, gutter, plotW, s);
    drawChain(svg, x, lanesTop, laneH, s);
    var cursor = el('g', { class: 'cursor', visibility: 'hidden' }, svg);
    el('line', { x1: 0, x2: 0, y1: axisH - 4, y2: height, class: 'cursor-line' }, cursor);
    var cursorLabel = text(cursor, 0, axisH - 8 * s, '', 'cursor-label', 'middle');
    layout.cursor = cursor;
    layout.cursorLabel = cursorLabel;

    // A redraw (a live update) keeps the keyboard focus on the entry that had it.
    var active = document.activeElement;
    var focusedId = active && active !== chart && chart.contains(active) ? active.getAttribute('data-id') : null;
    chart.replaceChildren(svg);
    if (focusedId) {
      var again = chart.querySelector('.entry.point[data-id="' + CSS.escape(focusedId) + '"]');
      if (again) again.focus({ preventScroll: true });
    }
    chart.dataset.aggregated = visible > AGGREGATE_ABOVE ? 'true' : 'false';
    chart.dataset.visible = String(visible);
  }

  function countVisible() {
    var n = 0;
    lanes.forEach(function (lane) {
      lane.entries.forEach(function (e) { if ((e.endMs || e.atMs) >= view.from && e.atMs <= view.to) n++; });
    });
    return n;
  }

  function drawAxis(svg, x, axisH, height, plotW, gutter, s) {
    var g = el('g', { class: 'axis', 'aria-hidden': 'true' }, svg);
    var span = view.to - view.from;
    var minPx = 95 * s;
    var step = TICK_STEPS_MS.find(function (st) { return (st / span) * plotW >= minPx; }) || TICK_STEPS_MS[TICK_STEPS_MS.length - 1];
    var first = Math.ceil(view.from / step) * step;
    for (var t = first; t <= view.to; t += step) {
      var px = x(t);
      el('line', { x1: px, x2: px, y1: axisH - 6, y2: height, class: 'grid' }, g);
      text(g, px, axisH - 10 * s, fmtTime(t, step < 60000), 'tick', 'middle');
    }
    text(g, 4, axisH - 10 * s, fmtDate(view.from) + ' UTC', 'tick date');
  }

  function drawLanes(svg, x, top, laneH, width, gutter, s, aggregated) {
    var g = el('g', { class: 'lanes' }, svg);
    var marks = el('g', { 'clip-path': 'url(#plot-clip)' }, svg);
    lanes.forEach(function (lane, i) {
      var y0 = top + i * laneH;
      var cy = y0 + laneH / 2;
      var lg = el('g', { class: 'lane', 'data-lane': lane.key }, g);
      el('rect', { x: 0, y: y0, width: width, height: laneH, class: i % 2 ? 'band odd' : 'band' }, lg);
      text(lg, 8 * s, cy + 4 * s, lane.key, 'lane-label');
      var mg = el('g', { class: 'lane-marks', 'data-lane': lane.key }, marks);
      if (aggregated) drawBuckets(mg, lane, x, y0, laneH, gutter, s);
      else drawEntries(mg, lane, x, cy, s);
    });
  }

  // Two layers per lane: episode bars below, point markers above, so a long episode never hides
  // the start of a later entry. Both open the same evidence; only the point is in the tab order.
  function drawEntries(g, lane, x, cy, s) {
    var r = 5.5 * s;
    var bars = el('g', { class: 'bars' }, g);
    var points = el('g', { class: 'points' }, g);
    lane.entries.forEach(function (e) {
      var end = e.endMs || e.atMs;
      if (end < view.from || e.atMs > view.to) return;
      var label = fmtTime(e.atMs) + ' ' + (e.kind === 'note' ? 'note' : SEVERITY_WORD[e.severity]) + ': ' + e.title + (e.count > 1 ? ' (×' + e.count + ')' : '') + (e.inChain ? ' — in the causal chain' : '');
      var state = (e.inChain ? ' in-chain' : '') + (e.id === selectedId ? ' selected' : '');
      if (e.kind === 'episode' && e.endMs !== undefined) {
        var x1 = x(e.atMs);
        var x2 = Math.max(x(e.endMs), x1 + 3);
        var bg = el('g', { class: 'entry span' + state, 'data-id': e.id }, bars);
        title(bg, label + ', until ' + fmtTime(e.endMs));
        el('rect', { x: x1, y: cy - 4.5 * s, width: x2 - x1, height: 9 * s, rx: 2, class: 'episode sev-' + e.severity }, bg);
      }
      var eg = el('g', { class: 'entry point' + state, tabindex: 0, role: 'button', 'data-id': e.id, 'aria-label': label }, points);
      title(eg, label);
      shape(eg, e.kind === 'note' ? 'note' : e.severity, x(e.atMs), cy, r);
      // A wider invisible target makes small markers easy to hit on a touch screen.
      el('rect', { x: x(e.atMs) - 9 * s, y: cy - 11 * s, width: 18 * s, height: 22 * s, class: 'hit' }, eg);
    });
  }

  function drawBuckets(g, lane, x, y0, laneH, gutter, s) {
    var cols = new Map();
    var max = 1;
    lane.entries.forEach(function (e) {
      if ((e.endMs || e.atMs) < view.from || e.atMs > view.to) return;
      var col = Math.floor(x(Math.max(e.atMs, view.from)) / 2) * 2;
      var b = cols.get(col);
      if (!b) { b = { col: col, count: 0, sev: 'info', from: e.atMs, to: e.atMs }; cols.set(col, b); }
      b.count += e.count || 1;
      b.to = Math.max(b.to, e.atMs);
      if (SEVERITY_RANK[e.severity] > SEVERITY_RANK[b.sev]) b.sev = e.severity;
      max = Math.max(max, b.count);
    });
    cols.forEach(function (b) {
      var h = Math.max(3, (Math.log(b.count + 1) / Math.log(max + 1)) * (laneH - 6));
      var bg = el('g', { class: 'bucket', 'data-from': b.from, 'data-to': b.to, role: 'button', tabindex: 0, 'aria-label': b.count + ' entries at ' + fmtTime(b.from) + ', worst ' + SEVERITY_WORD[b.sev] + '; activate to zoom in' }, g);
      el('rect', { x: b.col, y: y0 + laneH - 3 - h, width: 2, height: h, class: 'bar sev-' + b.sev }, bg);
      title(bg, b.count + ' entries from ' + fmtTime(b.from) + ' to ' + fmtTime(b.to) + ' (worst: ' + SEVERITY_WORD[b.sev] + '); click to zoom in');
    });
  }

  // Onset and detection: dotted lines through every row, labelled in their own row under the axis
  // (onset to the left of its line, detection to the right, so close ones do not collide).
  function drawMarkers(svg, x, top, markH, height, s) {
    var g = el('g', { class: 'markers', 'clip-path': 'url(#plot-clip)' }, svg);
    var marks = [];
    if (report.onset) marks.push({ ms: Date.parse(report.onset), label: 'onset ' + fmtTime(Date.parse(report.onset)) + ' ▸', cls: 'onset', anchor: 'end', dx: -3 });
    if (report.detection) marks.push({ ms: Date.parse(report.detection.at), label: '◂ detected ' + fmtTime(Date.parse(report.detection.at)), cls: 'detected', anchor: 'start', dx: 3 });
    marks.forEach(function (m) {
      if (m.ms < view.from || m.ms > view.to) return;
      var px = x(m.ms);
      el('line', { x1: px, x2: px, y1: top, y2: height, class: 'vmark ' + m.cls }, g);
      text(g, px + m.dx * s, top + markH - 5 * s, m.label, 'vmark-label ' + m.cls, m.anchor);
    });
  }

  function drawSeries(svg, x, top, rowH, headH, width, gutter, plotW, s) {
    if (!seriesRows.length) return;
    var g = el('g', { class: 'series' }, svg);
    text(g, 8 * s, top - 7 * s, 'Metrics', 'section-label');
    seriesRows.forEach(function (series, i) {
      var y0 = top + i * rowH;
      var rg = el('g', { class: 'spark', 'data-series': series.id }, g);
      el('rect', { x: 0, y: y0, width: width, height: rowH, class: i % 2 ? 'band odd' : 'band' }, rg);
      text(rg, 8 * s, y0 + rowH / 2 - 2 * s, series.label, 'lane-label');
      var sub = text(rg, 8 * s, y0 + rowH / 2 + 12 * s, [series.component, series.host].filter(Boolean).join('/'), 'lane-sub');
      var values = series.v.filter(function (v) { return v !== null && isFinite(v); });
      if (!values.length) { text(rg, gutter + 6, y0 + rowH / 2 + 4, 'no data', 'lane-sub'); return; }
      var hi = Math.max.apply(null, values.concat(series.threshold !== undefined ? [series.threshold * 1.1] : []));
      var lo = Math.min(0, Math.min.apply(null, values));
      if (hi === lo) hi = lo + 1;
      var pad = 5 * s;
      var y = function (v) { return y0 + rowH - pad - ((v - lo) / (hi - lo)) * (rowH - 2 * pad); };
      var pg = el('g', { 'clip-path': 'url(#plot-clip)' }, rg);
      var d = '';
      var over = '';
      var pen = false;
      var prevOver = false;
      var peak = -Infinity;
      for (var k = 0; k < series.t.length; k++) {
        var t = series.t[k];
        var v = series.v[k];
        if (t < view.from - 60000 || t > view.to + 60000) { pen = false; continue; }
        if (v === null || !isFinite(v)) { pen = false; prevOver = false; continue; }
        if (t >= view.from && t <= view.to) peak = Math.max(peak, v);
        var px = x(t).toFixed(1);
        var py = y(v).toFixed(1);
        d += (pen ? 'L' : 'M') + px + ' ' + py;
        var isOver = series.threshold !== undefined && v > series.threshold;
        if (isOver) over += (prevOver ? 'L' : 'M') + px + ' ' + py;
        prevOver = isOver;
        pen = true;
      }
      el('path', { d: d || 'M0 0', class: 'spark-line' }, pg);
      if (over) el('path', { d: over, class: 'spark-over' }, pg);
      if (series.threshold !== undefined) {
        var ty = y(series.threshold);
        el('line', { x1: gutter, x2: gutter + plotW, y1: ty, y2: ty, class: 'threshold' }, rg);
        text(rg, gutter + plotW + 4 * s, ty + 4 * s, '≥ ' + fmtValue(series.threshold, series.unit), 'threshold-label');
      }
      if (isFinite(peak)) sub.textContent += ' · max ' + fmtValue(peak, series.unit);
      title(rg, series.label + ' (' + series.origin + '): peak in view ' + fmtValue(peak, series.unit) + (series.threshold !== undefined ? ', threshold ' + fmtValue(series.threshold, series.unit) : ''));
    });
  }

  function drawChain(svg, x, top, laneH, s) {
    var g = el('g', { class: 'chain', 'clip-path': 'url(#plot-clip)', 'aria-label': 'Causal chain' }, svg);
    var pts = chainPoints.filter(function (p) { return p.laneKey !== null && isFinite(p.ms); }).map(function (p) {
      var li = lanes.findIndex(function (l) { return l.key === p.laneKey; });
      return { p: p, cx: x(p.ms), cy: top + li * laneH + laneH / 2 };
    });
    for (var i = 1; i < pts.length; i++) {
      var a = pts[i - 1];
      var b = pts[i];
      var dx = Math.max(20 * s, Math.abs(b.cx - a.cx) / 2);
      el('path', { d: 'M' + a.cx + ' ' + a.cy + ' C' + (a.cx + dx) + ' ' + a.cy + ' ' + (b.cx - dx) + ' ' + b.cy + ' ' + b.cx + ' ' + b.cy, class: 'chain-arrow', 'marker-end': 'url(#arrow)' }, g);
    }
    pts.forEach(function (q) {
      var lg = el('g', { class: 'chain-link', role: 'button', tabindex: 0, 'data-step': q.p.step, 'aria-label': 'Chain step ' + q.p.step + ': ' + q.p.link.symptom + ' at ' + fmtTime(q.p.ms) }, g);
      title(lg, 'Step ' + q.p.step + ': ' + q.p.link.symptom + ' at ' + fmtTime(q.p.ms) + (q.p.link.because ? ' — ' + q.p.link.because : ''));
      el('circle', { cx: q.cx, cy: q.cy, r: 10 * s, class: 'chain-ring' }, lg);
      var bx = q.cx + 12 * s;
      var by = q.cy - 9 * s;
      el('circle', { cx: bx, cy: by, r: 7.5 * s, class: 'chain-badge' }, lg);
      text(lg, bx, by + 3.6 * s, String(q.p.step), 'chain-step', 'middle');
    });
  }

  function schedule() {
    if (!frame) frame = requestAnimationFrame(render);
  }

  // ---- zoom and pan -----------------------------------------------------------------------

  function setView(from, to) {
    var span = Math.max(MIN_SPAN_MS, Math.min(to - from, fullTo - fullFrom));
    if (from < fullFrom) from = fullFrom;
    if (from + span > fullTo) from = fullTo - span;
    view = { from: from, to: from + span };
    following = live && view.to >= fullTo - span * 0.01;
    showFollowing();
    schedule();
  }
  function showFollowing() {
    var button = document.querySelector('[data-zoom="follow"]');
    if (button) button.setAttribute('aria-pressed', following ? 'true' : 'false');
    chart.dataset.following = following ? 'true' : 'false';
  }
  function zoomAt(ms, factor) {
    var span = (view.to - view.from) * factor;
    var ratio = (ms - view.from) / (view.to - view.from);
    setView(ms - ratio * span, ms - ratio * span + span);
  }
  function msAt(clientX) {
    var rect = chart.getBoundingClientRect();
    var px = clientX - rect.left - layout.gutter;
    return view.from + (px / layout.plotW) * (view.to - view.from);
  }
  function fitIncident() {
    var times = chainPoints.map(function (p) { return p.ms; }).filter(isFinite);
    if (!times.length && report.onset) times = [Date.parse(report.onset)];
    if (!times.length) { setView(fullFrom, fullTo); return; }
    var lo = Math.min.apply(null, times);
    var hi = Math.max.apply(null, times);
    var margin = Math.max(120000, (hi - lo) * 0.5);
    setView(lo - margin, hi + margin);
  }

  chart.addEventListener('wheel', function (ev) {
    if (!layout) return;
    ev.preventDefault();
    var delta = ev.deltaMode === 1 ? ev.deltaY * 16 : ev.deltaY;
    zoomAt(msAt(ev.clientX), Math.exp(delta * 0.0015));
  }, { passive: false });

  var drag = null;
  chart.addEventListener('pointerdown', function (ev) {
    if (ev.button !== 0) return;
    drag = { x: ev.clientX, from: view.from, to: view.to, moved: false, id: ev.pointerId };
  });
  chart.addEventListener('pointermove', function (ev) {
    if (layout) moveCursor(ev.clientX);
    if (!drag) return;
    var dx = ev.clientX - drag.x;
    if (Math.abs(dx) > 4) {
      if (!drag.moved) chart.setPointerCapture(drag.id);
      drag.moved = true;
    }
    if (drag.moved) {
      var shift = (dx / layout.plotW) * (drag.to - drag.from);
      setView(drag.from - shift, drag.to - shift);
    }
  });
  function endDrag(ev) {
    if (drag && drag.moved) {
      ev.preventDefault();
      chart.releasePointerCapture(drag.id);
      chart.dataset.justDragged = '1';
      setTimeout(function () { delete chart.dataset.justDragged; }, 0);
    }
    drag = null;
  }
  chart.addEventListener('pointerup', endDrag);
  chart.addEventListener('pointercancel', endDrag);
  chart.addEventListener('pointerleave', function () { if (layout && layout.cursor) layout.cursor.setAttribute('visibility', 'hidden'); });

  function moveCursor(clientX) {
    var rect = chart.getBoundingClientRect();
    var px = clientX - rect.left;
    if (px < layout.gutter || px > layout.gutter + layout.plotW) { layout.cursor.setAttribute('visibility', 'hidden'); return; }
    layout.cursor.setAttribute('visibility', 'visible');
    layout.cursor.firstChild.setAttribute('x1', px);
    layout.cursor.firstChild.setAttribute('x2', px);
    layout.cursorLabel.setAttribute('x', px);
    layout.cursorLabel.textContent = fmtTime(msAt(clientX));
  }

  document.querySelectorAll('[data-zoom]').forEach(function (button) {
    button.addEventListener('click', function () {
      var what = button.getAttribute('data-zoom');
      var mid = (view.from + view.to) / 2;
      if (what === 'in') zoomAt(mid, 0.5);
      else if (what === 'out') zoomAt(mid, 2);
      else if (what === 'incident') fitIncident();
      else if (what === 'follow') setView(fullTo - (view.to - view.from), fullTo);
      else setView(fullFrom, fullTo);
    });
  });

  chart.addEventListener('keydown', function (ev) {
    var target = ev.target;
    if ((ev.key === 'Enter' || ev.key === ' ') && target !== chart) {
      ev.preventDefault();
      activate(target);
      return;
    }
    var span = view.to - view.from;
    var mid = (view.from + view.to) / 2;
    if (ev.key === '+' || ev.key === '=') zoomAt(mid, 0.5);
    else if (ev.key === '-' || ev.key === '_') zoomAt(mid, 2);
    else if (ev.key === '0') setView(fullFrom, fullTo);
    else if (ev.key === 'ArrowLeft') setView(view.from - span * 0.2, view.to - span * 0.2);
    else if (ev.key === 'ArrowRight') setView(view.from + span * 0.2, view.to + span * 0.2);
    else return;
    ev.preventDefault();
  });

  chart.addEventListener('click', function (ev) {
    if (chart.dataset.justDragged) return;
    activate(ev.target);
  });

  function activate(target) {
    var node = target && target.closest ? target.closest('.entry, .bucket, .chain-link') : null;
    if (!node) return;
    if (node.classList.contains('bucket')) {
      var from = Number(node.getAttribute('data-from'));
      var to = Number(node.getAttribute('data-to'));
      var margin = Math.max(30000, (to - from) * 2);
      setView(from - margin, to + margin);
    } else if (node.classList.contains('chain-link')) {
      var p = chainPoints[Number(node.getAttribute('data-step')) - 1];
      if (p) showChainLink(p);
    } else {
      var id = node.getAttribute('data-id');
      var entry = report.timeline.find(function (e) { return e.id === id; });
      if (entry) showEntry(entry);
    }
  }

  // ---- evidence panel (textContent only) -------------------------------------------------

  var panel = document.getElementById('evidence');
  var panelTitle = document.getElementById('evidence-title');
  var facts = document.getElementById('evidence-facts');
  var raw = document.getElementById('evidence-raw');
  document.getElementById('evidence-close').addEventListener('click', closePanel);
  document.addEventListener('keydown', function (ev) { if (ev.key === 'Escape') closePanel(); });

  function closePanel() {
    panel.hidden = true;
    selectedId = null;
    document.dispatchEvent(new CustomEvent('rootline:entry', { detail: null }));
    schedule();
  }

  function fillFacts(rows) {
    facts.replaceChildren();
    rows.forEach(function (row) {
      if (row[1] === undefined || row[1] === null || row[1] === '') return;
      var dt = document.createElement('dt');
      dt.textContent = row[0];
      var dd = document.createElement('dd');
      dd.textContent = String(row[1]);
      facts.append(dt, dd);
    });
  }

  function showEntry(e) {
    selectedId = e.id;
    panelTitle.textContent = e.title;
    fillFacts([
      ['Time', fmtPrecise(e.atMs)],
      ['Until', e.endMs !== undefined ? fmtPrecise(e.endMs) + ' (' + fmtDuration(e.endMs - e.atMs) + ')' : ''],
      ['Lane', e.lane],
      ['Severity', SEVERITY_WORD[e.severity]],
      ['Symptom', e.symptom || ''],
      ['Raw events', e.count],
      ['In causal chain', e.inChain ? 'yes' : 'no'],
      ['Source', describeRef(e.evidence)],
      ['Source time', e.evidence.atMs !== e.atMs ? fmtPrecise(e.evidence.atMs) + ' (before clock correction)' : ''],
    ]);
    raw.textContent = e.evidence.text;
    openPanel();
    document.dispatchEvent(new CustomEvent('rootline:entry', { detail: e }));
  }

  function showChainLink(p) {
    var link = p.link;
    selectedId = null;
    panelTitle.textContent = 'Chain step ' + p.step + ': ' + link.symptom;
    fillFacts([
      ['Time', fmtPrecise(p.ms)],
      ['Where', [link.component, link.host].filter(Boolean).join(' on ')],
      ['After previous step', link.lagMs !== undefined ? fmtDuration(link.lagMs) : ''],
      ['Because', link.because || ''],
    ]);
    raw.textContent = link.evidence.map(function (ev) {
      return ev.claim + (ev.ref ? '\n  ' + describeRef(ev.ref) + '\n  ' + ev.ref.text : '');
    }).join('\n\n');
    openPanel();
    document.dispatchEvent(new CustomEvent('rootline:entry', { detail: null }));
  }

  function openPanel() {
    panel.hidden = false;
    panelTitle.setAttribute('tabindex', '-1');
    panelTitle.focus({ preventScroll: true });
    schedule();
  }

  // ---- start --------------------------------------------------------------------------------

  if (typeof ResizeObserver === 'function') new ResizeObserver(schedule).observe(chart);
  document.addEventListener('rootline:fontsize', schedule);
  // Open on the incident (the chain with some context); "Whole window" is one click away.
  if (chainPoints.length && !live) fitIncident();
  showFollowing();
  render();

  function setupFontToggle() {
    var button = document.getElementById('font-toggle');
    if (!button) return;
    var apply = function (on) {
      document.documentElement.classList.toggle('large', on);
      button.setAttribute('aria-pressed', on ? 'true' : 'false');
      document.dispatchEvent(new Event('rootline:fontsize'));
    };
    var stored = false;
    try { stored = localStorage.getItem('rootline-large') === '1'; } catch (e) { /* storage may be off */ }
    apply(stored);
    button.addEventListener('click', function () {
      var on = !document.documentElement.classList.contains('large');
      try { localStorage.setItem('rootline-large', on ? '1' : '0'); } catch (e) { /* ignore */ }
      apply(on);
    });
  }
})();
