// sortie ui: the board, the mission timeline and the mission page. Plain browser JavaScript, no
// build step; served by `sortie ui` or inlined by `sortie report --html` with its data.
//
// Every string from the database (titles, notes, commit subjects, branch names) is untrusted. It
// reaches the page only through text() below, as a text node; no markup is ever parsed from data.
(function () {
  'use strict';

  // ------------------------------------------------------------ elements and text
  // eslint-disable-next-line no-control-regex
  var CONTROL = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b.|[\x00-\x08\x0b-\x1f\x7f]/g;
  function clean(v) { return String(v).replace(CONTROL, ''); }
  function text(v) { return document.createTextNode(clean(v)); }

  function put(el, children) {
    for (var i = 0; i < children.length; i++) {
      var c = children[i];
      if (c === null || c === undefined || c === false) continue;
      if (Array.isArray(c)) put(el, c);
      else el.appendChild(c instanceof Node ? c : text(c));
    }
    return el;
  }
  function setAttrs(el, attrs) {
    for (var k in attrs) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) continue;
      if (k === 'on') { for (var ev in v) el.addEventListener(ev, v[ev]); continue; }
      // No event-handler attributes, no script URLs: data can set neither.
      if (/^on/i.test(k)) throw new Error('refusing attribute ' + k);
      if (k === 'href' && !/^#/.test(String(v))) throw new Error('refusing href');
      el.setAttribute(k, v === true ? '' : clean(v));
    }
    return el;
  }
  function h(tag, attrs) { return put(setAttrs(document.createElement(tag), attrs || {}), [].slice.call(arguments, 2)); }
  var SVGNS = 'http://www.w3.org/2000/svg';
  function s(tag, attrs) { return put(setAttrs(document.createElementNS(SVGNS, tag), attrs || {}), [].slice.call(arguments, 2)); }
  function replace(el) { el.textContent = ''; return put(el, [].slice.call(arguments, 1)); }
  function $(id) { return document.getElementById(id); }

  function fmt(iso) { return iso ? String(iso).slice(0, 19).replace('T', ' ') + ' UTC' : ''; }
  function pad2(n) { return (n < 10 ? '0' : '') + n; }
  function who(x) { return x.kind === 'person' ? (x.person || 'a person') : x.agent; }
  var STATE_WORD = { live: 'live', stale: 'stale (no sign of life lately)', reaped: 'reaped', ended: 'ended' };

  // ------------------------------------------------------------ where the data comes from
  var embedded = $('sortie-data');
  var REPORT = embedded ? JSON.parse(embedded.textContent) : null;

  function get(path, params) {
    var qs = new URLSearchParams();
    for (var k in params) if (params[k] !== undefined && params[k] !== null && params[k] !== '') qs.set(k, params[k]);
    return fetch(path + '?' + qs.toString(), { cache: 'no-store' }).then(function (r) {
      if (!r.ok) throw new Error(path + ': ' + r.status);
      return r.json();
    });
  }
  var source = REPORT ? {
    board: function (pages) {
      var b = REPORT.board;
      return Promise.resolve({ repo: b.repo, branch: b.branch, generatedAt: b.generatedAt, columns: b.columns.map(function (c) {
        return { status: c.status, closed: c.closed, total: c.total, offset: 0, cards: c.cards.slice(0, pages[c.status] || 0), included: c.cards.length };
      }) });
    },
    timeline: function (q) { return Promise.resolve(filterTimeline(REPORT.timeline, q)); },
    mission: function (id) {
      var m = REPORT.missions && REPORT.missions[id];
      return m ? Promise.resolve(m) : Promise.reject(new Error('mission #' + id + ' is not included in this report'));
    },
  } : {
    board: function (pages) { return get('api/board', { pages: Object.keys(pages).map(function (k) { return k + ':' + pages[k]; }).join(',') }); },
    timeline: function (q) { return get('api/timeline', q); },
    mission: function (id) { return get('api/mission', { id: id }); },
  };

  /** The server filters in SQL; a report has all its data inline and filters here, the same way. */
  function filterTimeline(t, q) {
    var from = q.from || t.from, to = q.to || t.to;
    var missions = t.missions.filter(function (m) {
      return m.start <= to && (m.end || t.now) >= from && (!q.agent || m.lane === q.agent) && (!q.branch || m.branch === q.branch);
    });
    if (q.task) {
      var touched = {};
      t.markers.forEach(function (k) { if (k.task === q.task && k.mission !== null) touched[k.mission] = true; });
      missions = missions.filter(function (m) { return touched[m.id]; });
    }
    var shown = {};
    missions.forEach(function (m) { shown[m.id] = true; });
    var markers = t.markers.filter(function (k) {
      if (k.at < from || k.at > to) return false;
      if (q.task && k.task !== q.task) return false;
      if (k.mission !== null) return !(q.agent || q.branch || q.task) || shown[k.mission];
      return (!q.agent || k.lane === q.agent) && (!q.branch || k.branch === q.branch);
    });
    var lanes = {};
    missions.forEach(function (m) { lanes[m.lane] = true; });
    markers.forEach(function (k) { lanes[k.lane] = true; });
    return { from: from, to: to, now: t.now, missions: missions, markers: markers, truncated: t.truncated, agents: t.agents, branches: t.branches,
      lanes: t.lanes.filter(function (l) { return lanes[l.key]; }) };
  }

  // ------------------------------------------------------------ page frame
  var view = $('view');
  var live = $('live');
  function setMeta(repo, branch) {
    replace($('repo'), repo || '');
    replace($('branch'), branch ? 'on ' + branch : '');
  }
  function stamp(prefix) {
    var d = new Date();
    replace(live, prefix + ' ' + pad2(d.getHours()) + ':' + pad2(d.getMinutes()) + ':' + pad2(d.getSeconds()));
  }
  function failed(err) { replace(view, h('p', { class: 'notice', role: 'alert' }, 'Could not load: ', err.message)); }

  /** Re-rendering replaces elements; keep the keyboard focus on the same control. */
  function keepFocus(render) {
    var key = document.activeElement && document.activeElement.getAttribute('data-key');
    return Promise.resolve(render()).then(function () {
      if (!key) return;
      var el = view.querySelector('[data-key="' + key.replace(/["\\]/g, '') + '"]');
      if (el) el.focus();
    });
  }

  // ------------------------------------------------------------ board
  var LABEL = { TODO: 'TODO', UNDERWAY: 'UNDERWAY', BLOCKED: 'BLOCKED', PAUSED: 'PAUSED', REVIEW: 'REVIEW', COMPLETE: 'COMPLETE', ABORTED: 'ABORTED' };
  var PAGE = 50;
  var pages = { TODO: PAGE, UNDERWAY: PAGE, BLOCKED: PAGE, PAUSED: PAGE, REVIEW: PAGE, COMPLETE: 0, ABORTED: 0 };

  function holderLine(x, prefix) {
    return [
      prefix || null,
      h('span', { class: 'dot state-' + x.state, 'aria-hidden': 'true' }),
      h('a', { href: '#/mission/' + Number(x.mission), 'data-key': 'm' + Number(x.mission) + (prefix ? 'w' : '') }, x.codename),
      ' · ', who(x), ' ',
      h('span', { class: 'state-word' }, STATE_WORD[x.state] || x.state),
    ];
  }

  function card(c, branch) {
    var origin = c.origin && c.origin.branch && c.origin.branch !== branch
      ? h('span', { class: 'origin' }, 'on ' + c.origin.branch + (c.origin.merged === false ? ', not merged' : '')) : null;
    return h('li', { class: 'card' + (c.waiting ? ' waiting' : ''), 'data-task': c.id, 'data-status': c.status },
      h('div', { class: 'card-top' }, h('span', { class: 'id' }, c.id), origin, h('span', { class: 'prio prio-' + c.priority }, c.priority)),
      h('p', { class: 'title' }, c.title),
      c.labels.length ? h('ul', { class: 'labels', 'aria-label': 'labels' }, c.labels.map(function (l) { return h('li', { class: 'label' }, l); })) : null,
      c.holder ? h('div', { class: 'holder', 'data-holder': c.holder.codename }, holderLine(c.holder)) : null,
      c.waiting ? h('div', { class: 'holder' },
        h('span', { class: 'waiting-tag' }, 'waiting for pickup'),
        c.lastHolder ? [' — was ', holderLine(c.lastHolder)] : null) : null,
      c.waiting && c.note ? h('p', { class: 'note', title: c.note.text }, (c.note.from ? c.note.from + ': ' : '') + c.note.text) : null);
  }

  function column(col, branch) {
    var expanded = pages[col.status] > 0;
    var collapsible = col.closed;
    var waiting = col.status === 'UNDERWAY' ? col.cards.filter(function (c) { return c.waiting; }).length : 0;
    var header = h('header', null,
      h('h2', { id: 'col-' + col.status }, LABEL[col.status]),
      h('span', { class: 'count', 'data-count': col.total }, String(col.total)),
      waiting ? h('span', { class: 'state-word' }, waiting + ' waiting') : null,
      collapsible ? h('button', { type: 'button', 'aria-expanded': String(expanded), 'aria-controls': 'cards-' + col.status, 'data-key': 'toggle-' + col.status,
        on: { click: function () { pages[col.status] = expanded ? 0 : PAGE; showBoard(); } } }, expanded ? 'Hide' : 'Show') : null);
    var body = null;
    if (expanded) {
      var left = col.total - col.cards.length;
      var more = left > 0 && (!REPORT || col.cards.length < (col.included || 0))
        ? h('button', { type: 'button', class: 'more', 'data-key': 'more-' + col.status, on: { click: function () { pages[col.status] += PAGE; showBoard(); } } },
          'Show ' + Math.min(PAGE, left) + ' more (' + left + ' not shown)')
        : left > 0 ? h('p', { class: 'muted' }, left + ' more not included') : null;
      body = [h('ul', { class: 'cards', id: 'cards-' + col.status, 'aria-labelledby': 'col-' + col.status }, col.cards.map(function (c) { return card(c, branch); })), more];
    } else body = h('p', { class: 'muted' }, col.total ? col.total + (col.total === 1 ? ' task' : ' tasks') + ', hidden' : 'none');
    return h('section', { class: 'column' + (expanded ? '' : ' collapsed'), 'data-status': col.status, 'aria-labelledby': 'col-' + col.status }, header, body);
  }

  function showBoard() {
    return source.board(pages).then(function (b) {
      setMeta(b.repo, b.branch);
      // A refresh keeps where the reader was: each column's scroll, and the board's.
      var scroll = {}, old = view.querySelector('.board'), left = old ? old.scrollLeft : 0;
      view.querySelectorAll('ul.cards').forEach(function (u) { scroll[u.id] = u.scrollTop; });
      replace(view, h('div', { class: 'board', 'data-view': 'board' }, b.columns.map(function (c) { return column(c, b.branch); })));
      view.querySelectorAll('ul.cards').forEach(function (u) { if (scroll[u.id]) u.scrollTop = scroll[u.id]; });
      if (left) view.querySelector('.board').scrollLeft = left;
      if (!REPORT) stamp('live, updated');
    });
  }

  // ------------------------------------------------------------ timeline
  var tl = { from: null, to: null, agent: '', branch: '', task: '', data: null, seq: 0 };
  var LANE_W = 170, ROW_H = 22, ROW_GAP = 4, LANE_PAD = 8, AXIS_H = 26, MAX_ROWS = 40;
  var MARKERS = [
    ['claim', 'claim'], ['handoff', 'handoff'], ['commit', 'commit'], ['blocked', 'blocked commit'],
    ['compaction', 'compaction (checkpoint)'], ['reap', 'reaped'], ['done', 'task done'],
  ];

  function markerShape(kind, x, y) {
    switch (kind) {
      case 'claim': return s('circle', { class: 'mk-claim', cx: x, cy: y, r: 4 });
      case 'handoff': return s('path', { class: 'mk-handoff', d: 'M' + x + ' ' + (y - 5) + 'l5 5l-5 5l-5 -5z' });
      case 'commit': return s('rect', { class: 'mk-commit', x: x - 3.5, y: y - 3.5, width: 7, height: 7 });
      case 'blocked': return s('path', { class: 'mk-blocked', d: 'M' + (x - 5) + ' ' + (y - 5) + 'l10 10M' + (x + 5) + ' ' + (y - 5) + 'l-10 10' });
      case 'compaction': return s('circle', { class: 'mk-compaction', cx: x, cy: y, r: 4.5 });
      case 'reap': return s('path', { class: 'mk-reap', d: 'M' + (x - 6) + ' ' + (y - 5) + 'h12l-6 10z' });
      default: return s('path', { class: 'mk-done', d: 'M' + (x - 5) + ' ' + y + 'l3.5 4l6.5 -8' });
    }
  }

  var TICKS = [1e3, 5e3, 10e3, 15e3, 30e3, 60e3, 300e3, 900e3, 1800e3, 3600e3, 3 * 3600e3, 6 * 3600e3, 12 * 3600e3, 864e5, 2 * 864e5, 7 * 864e5, 30 * 864e5, 91 * 864e5, 365 * 864e5];
  function tickLabel(t, step) {
    var d = new Date(t), day = d.getUTCFullYear() + '-' + pad2(d.getUTCMonth() + 1) + '-' + pad2(d.getUTCDate());
    if (step >= 864e5) return day;
    var hm = pad2(d.getUTCHours()) + ':' + pad2(d.getUTCMinutes()) + (step < 60e3 ? ':' + pad2(d.getUTCSeconds()) : '');
    return d.getUTCHours() === 0 && d.getUTCMinutes() === 0 && d.getUTCSeconds() === 0 ? day : hm;
  }

  // The inputs show UTC, like every time on the page.
  function toLocalInput(iso) { return iso ? String(iso).slice(0, 19) : ''; }
  function fromLocalInput(v) {
    var t = v ? Date.parse(v.length === 16 ? v + ':00Z' : v + 'Z') : NaN;
    return isNaN(t) ? null : new Date(t).toISOString();
  }

  function timelineQuery() { return { from: tl.from, to: tl.to, agent: tl.agent, branch: tl.branch, task: tl.task }; }

  function loadTimeline() {
    var seq = ++tl.seq;
    return source.timeline(timelineQuery()).then(function (d) {
      if (seq !== tl.seq) return;
      if (!tl.from) { tl.from = d.from; tl.to = d.to; }
      tl.data = d;
      drawTimeline();
      if (!REPORT) stamp('live, updated');
    });
  }
  var reloadTimer = null;
  function reloadSoon() { clearTimeout(reloadTimer); reloadTimer = setTimeout(function () { loadTimeline().catch(failed); }, 200); }

  function setWindow(from, to) {
    var min = 5e3;
    if (to - from < min) { var mid = (from + to) / 2; from = mid - min / 2; to = mid + min / 2; }
    tl.from = new Date(from).toISOString();
    tl.to = new Date(to).toISOString();
    var f = $('tl-from'), t = $('tl-to');
    if (f) f.value = toLocalInput(tl.from);
    if (t) t.value = toLocalInput(tl.to);
    drawTimeline();
    reloadSoon();
  }
  function zoom(factor, at) {
    var a = Date.parse(tl.from), b = Date.parse(tl.to);
    var c = at === undefined ? (a + b) / 2 : at;
    setWindow(c - (c - a) * factor, c + (b - c) * factor);
  }
  function pan(fraction) {
    var a = Date.parse(tl.from), b = Date.parse(tl.to), d = (b - a) * fraction;
    setWindow(a + d, b + d);
  }

  function select(id, label, options, value, onChange) {
    return h('label', null, label, h('select', { id: id, 'data-key': id, on: { change: function (e) { onChange(e.target.value); } } },
      options.map(function (o) { return h('option', { value: o[0], selected: o[0] === value }, o[1]); })));
  }

  function toolbar(d) {
    var fromIn = h('input', { type: 'datetime-local', step: 1, id: 'tl-from', 'data-key': 'tl-from', value: toLocalInput(tl.from), on: { change: function (e) {
      var v = fromLocalInput(e.target.value), a = Date.parse(tl.from), b = Date.parse(tl.to);
      if (v) setWindow(Date.parse(v), Date.parse(v) < b ? b : Date.parse(v) + (b - a)); } } });
    var toIn = h('input', { type: 'datetime-local', step: 1, id: 'tl-to', 'data-key': 'tl-to', value: toLocalInput(tl.to), on: { change: function (e) {
      var v = fromLocalInput(e.target.value), a = Date.parse(tl.from), b = Date.parse(tl.to);
      if (v) setWindow(Date.parse(v) > a ? a : Date.parse(v) - (b - a), Date.parse(v)); } } });
    var task = h('input', { type: 'search', id: 'tl-task', 'data-key': 'tl-task', placeholder: 'TASK-1', size: 10, value: tl.task, on: { change: function (e) {
      tl.task = e.target.value.trim(); reloadSoon(); } } });
    return h('form', { class: 'toolbar', role: 'search', 'aria-label': 'Timeline window and filters', on: { submit: function (e) { e.preventDefault(); } } },
      h('span', { class: 'group' },
        h('button', { type: 'button', 'aria-label': 'Zoom out', 'data-key': 'zoom-out', on: { click: function () { zoom(1.6); } } }, '−'),
        h('button', { type: 'button', 'aria-label': 'Zoom in', 'data-key': 'zoom-in', on: { click: function () { zoom(1 / 1.6); } } }, '+'),
        h('button', { type: 'button', 'aria-label': 'Earlier', on: { click: function () { pan(-0.25); } } }, '←'),
        h('button', { type: 'button', 'aria-label': 'Later', on: { click: function () { pan(0.25); } } }, '→'),
        h('button', { type: 'button', 'data-key': 'fit', on: { click: function () { tl.from = null; tl.to = null; loadTimeline().then(function () { showTimelineFrame(); }); } } }, 'Recent')),
      h('label', null, 'From (UTC)', fromIn), h('label', null, 'To', toIn),
      select('tl-agent', 'Agent', [['', 'all']].concat(d.agents.map(function (l) { return [l.key, (l.kind === 'person' ? 'person ' : '') + l.label]; })), tl.agent,
        function (v) { tl.agent = v; reloadSoon(); }),
      select('tl-branch', 'Branch', [['', 'all']].concat(d.branches.map(function (b) { return [b, b]; })), tl.branch, function (v) { tl.branch = v; reloadSoon(); }),
      h('label', null, 'Task', task));
  }

  function legend() {
    return h('div', { class: 'legend', 'aria-label': 'Legend' },
      [['live', 'live'], ['stale', 'stale'], ['ended', 'ended'], ['reaped', 'reaped']].map(function (x) {
        return h('span', null, h('span', { class: 'dot state-' + x[0] }), x[1] + ' mission');
      }),
      MARKERS.map(function (m) { return h('span', null, s('svg', { width: 14, height: 14, 'aria-hidden': 'true' }, markerShape(m[0], 7, 7)), m[1]); }),
      h('span', null, 'UTC · wheel or +/− to zoom, drag or ←/→ to move'));
  }

  function showTimelineFrame() {
    var d = tl.data;
    var holder = h('div', { class: 'chart-wrap', id: 'tl-chart', tabindex: 0, role: 'group', 'data-key': 'chart' });
    replace(view, h('div', { class: 'tl', 'data-view': 'timeline' }, toolbar(d), legend(), h('div', { id: 'tl-notice' }), holder));
    wireChart(holder);
    drawTimeline();
  }

  function showTimeline() {
    return loadTimeline().then(showTimelineFrame);
  }

  /** Lays the loaded window out at the current zoom: lanes, rows packed so bars do not overlap. */
  function drawTimeline() {
    var holder = $('tl-chart'), d = tl.data;
    if (!holder || !d) return;
    var from = Date.parse(tl.from), to = Date.parse(tl.to), now = Date.parse(d.now);
    var width = Math.max(600, holder.clientWidth || 1000), plotW = width - LANE_W - 12;
    var x = function (t) { return LANE_W + ((t - from) / (to - from)) * plotW; };
    replace($('tl-notice'), d.truncated ? h('p', { class: 'notice' }, 'This window holds more than can be drawn at once: only part of it is shown. Zoom in or filter.') : null);

    // A mission's row stays taken until its last marker too (a reap is marked after the bar ends).
    var lastMark = {};
    d.markers.forEach(function (k) { if (k.mission !== null) lastMark[k.mission] = Math.max(lastMark[k.mission] || 0, Date.parse(k.at)); });
    var byLane = {};
    d.lanes.forEach(function (l) { byLane[l.key] = { lane: l, rows: [], missions: [], rowOf: {} }; });
    d.missions.forEach(function (m) { if (byLane[m.lane]) byLane[m.lane].missions.push(m); });
    var y = AXIS_H, parts = [], bg = [], i = 0;
    d.lanes.forEach(function (l) {
      var L = byLane[l.key], rows = L.rows;
      L.missions.sort(function (a, b) { return a.start < b.start ? -1 : 1; });
      L.missions.forEach(function (m) {
        // Bars that begin before the window (or end after it) are cut at its edges.
        var x1 = Math.max(LANE_W - 2, x(Date.parse(m.start))), x2 = Math.min(width + 2, Math.max(x1 + 6, x(m.end ? Date.parse(m.end) : now)));
        var r = 0;
        while (r < rows.length && rows[r] > x1 - 3) r++;
        if (r >= MAX_ROWS) r = MAX_ROWS - 1;
        rows[r] = Math.max(rows[r] || 0, x2, lastMark[m.id] ? x(lastMark[m.id]) + 8 : 0);
        L.rowOf[m.id] = r;
        m._x1 = x1; m._x2 = x2; m._r = r;
      });
      var n = Math.max(1, rows.length), top = y, laneH = LANE_PAD * 2 + n * (ROW_H + ROW_GAP);
      bg.push(s('rect', { class: 'lane-bg' + (i++ % 2 ? ' odd' : ''), x: 0, y: top, width: width, height: laneH }));
      bg.push(s('text', { class: 'lane-label', x: 10, y: top + LANE_PAD + 15 }, l.label.length > 22 ? l.label.slice(0, 21) + '…' : l.label));
      bg.push(s('text', { class: 'lane-sub', x: 10, y: top + LANE_PAD + 30 }, (l.kind === 'person' ? 'person · ' : 'agent · ') + L.missions.length + ' mission' + (L.missions.length === 1 ? '' : 's')));
      L.top = top;
      L.missions.forEach(function (m) {
        var by = top + LANE_PAD + m._r * (ROW_H + ROW_GAP), w = m._x2 - m._x1;
        var tip = m.codename + ' (' + who(m) + ')' + (m.branch ? ' on ' + m.branch : '') + '\n' + fmt(m.start) + ' → ' + (m.end ? fmt(m.end) + ' (' + (m.endReason || 'ended') + ')' : 'now (live)');
        parts.push(s('a', { href: '#/mission/' + Number(m.id), class: 'bar state-' + m.state, 'data-mission': m.id, 'data-state': m.state, 'aria-label': m.codename + ', ' + m.state },
          s('title', null, tip),
          s('rect', { x: m._x1, y: by, width: w, height: ROW_H, rx: 4 }),
          w > 70 ? s('text', { x: m._x1 + 6, y: by + 15 }, w > 150 && m.branch ? m.codename + ' · ' + m.branch : m.codename) : null));
      });
      y += laneH;
    });
    // Markers sit on their mission's bar, or on the lane's first row when it has no mission shown.
    var missionRow = {};
    d.lanes.forEach(function (l) { var L = byLane[l.key]; L.missions.forEach(function (m) { missionRow[m.id] = L.top + LANE_PAD + m._r * (ROW_H + ROW_GAP) + ROW_H / 2; }); });
    d.markers.forEach(function (k) {
      var t = Date.parse(k.at);
      if (t < from || t > to || !byLane[k.lane] || x(t) < LANE_W) return;
      var my = missionRow[k.mission] || byLane[k.lane].top + LANE_PAD + ROW_H / 2;
      var mk = [s('title', null, fmt(k.at) + '  ' + k.text), markerShape(k.kind, x(t), my)];
      // A marker on a mission leads to its page, like the bar under it.
      parts.push(k.mission !== null
        ? s('a', { href: '#/mission/' + Number(k.mission), class: 'marker', 'data-marker': k.kind, 'data-task': k.task || '', tabindex: -1 }, mk)
        : s('g', { class: 'marker', 'data-marker': k.kind, 'data-task': k.task || '' }, mk));
    });

    var axis = [], step = TICKS[TICKS.length - 1];
    for (var j = 0; j < TICKS.length; j++) if (plotW / ((to - from) / TICKS[j]) >= 90) { step = TICKS[j]; break; }
    for (var t0 = Math.ceil(from / step) * step; t0 <= to; t0 += step) {
      axis.push(s('line', { x1: x(t0), x2: x(t0), y1: AXIS_H - 6, y2: Math.max(y, AXIS_H + 40) }));
      axis.push(s('text', { x: x(t0) + 3, y: 15 }, tickLabel(t0, step)));
    }
    var height = Math.max(y, AXIS_H + 40) + 4;
    var nowLine = now >= from && now <= to ? s('line', { class: 'now-line', x1: x(now), x2: x(now), y1: AXIS_H - 4, y2: height }) : null;
    var empty = d.lanes.length ? null : s('text', { class: 'lane-sub', x: LANE_W, y: AXIS_H + 24 }, 'No missions or events in this window.');
    var chart = s('svg', { class: 'chart', width: width, height: height, viewBox: '0 0 ' + width + ' ' + height, 'data-missions': d.missions.length },
      s('g', null, bg), s('g', { class: 'axis' }, axis), nowLine, s('g', null, parts), empty);
    holder.setAttribute('aria-label', 'Mission timeline: ' + d.missions.length + ' missions in ' + d.lanes.length + ' lanes. Arrow keys move, plus and minus zoom.');
    replace(holder, chart);
  }

  /** Zoom and pan are wired once to the chart's frame, which outlives every redraw of the chart. */
  function wireChart(holder) {
    var plotW = function () { return Math.max(600, holder.clientWidth || 1000) - LANE_W - 12; };
    var timeAt = function (clientX) {
      var a = Date.parse(tl.from), b = Date.parse(tl.to);
      return a + ((clientX - holder.getBoundingClientRect().left - LANE_W) / plotW()) * (b - a);
    };
    holder.addEventListener('wheel', function (e) {
      e.preventDefault();
      zoom(e.deltaY > 0 ? 1.25 : 0.8, timeAt(e.clientX));
    }, { passive: false });
    holder.addEventListener('keydown', function (e) {
      if (e.key === 'ArrowLeft') pan(-0.1); else if (e.key === 'ArrowRight') pan(0.1);
      else if (e.key === '+' || e.key === '=') zoom(1 / 1.4); else if (e.key === '-') zoom(1.4); else return;
      e.preventDefault();
    });
    var drag = null;
    holder.addEventListener('pointerdown', function (e) {
      if (e.button !== 0 || (e.target.closest && e.target.closest('a'))) return;
      drag = { x: e.clientX, from: Date.parse(tl.from), to: Date.parse(tl.to) };
      holder.setPointerCapture(e.pointerId);
      holder.classList.add('dragging');
    });
    holder.addEventListener('pointermove', function (e) {
      if (!drag || Math.abs(drag.x - e.clientX) < 3) return;
      var dt = ((drag.x - e.clientX) / plotW()) * (drag.to - drag.from);
      setWindow(drag.from + dt, drag.to + dt);
    });
    var end = function () { drag = null; holder.classList.remove('dragging'); };
    holder.addEventListener('pointerup', end);
    holder.addEventListener('pointercancel', end);
  }

  // ------------------------------------------------------------ mission page
  function section(title) { return h('section', null, h('h3', null, title), [].slice.call(arguments, 1)); }
  function table(head, rows) {
    return rows.length ? h('table', null, h('thead', null, h('tr', null, head.map(function (x) { return h('th', null, x); }))),
      h('tbody', null, rows.map(function (r) { return h('tr', null, r.map(function (c) { return h('td', null, c); })); }))) : h('p', { class: 'muted' }, 'none');
  }

  function showMission(id) {
    return source.mission(id).then(function (d) {
      var m = d.mission, cp = d.checkpoint;
      replace(view, h('div', { class: 'mission', 'data-view': 'mission', 'data-mission': m.id },
        h('p', null, h('a', { href: '#/timeline' }, '← timeline'), ' · ', h('a', { href: '#/board' }, 'board')),
        h('h2', null, m.codename, ' ', h('span', { class: 'muted' }, '#' + m.id), ' ', h('span', { class: 'badge state-' + m.state }, m.state)),
        section('Mission', h('dl', null,
          h('dt', null, m.kind === 'person' ? 'person' : 'agent'), h('dd', null, who(m)),
          h('dt', null, 'branch'), h('dd', null, m.branch || '—'),
          h('dt', null, 'started'), h('dd', null, fmt(m.start)),
          h('dt', null, 'last seen'), h('dd', null, fmt(m.lastSeenAt)),
          h('dt', null, 'ended'), h('dd', null, m.end ? fmt(m.end) + ' (' + (m.endReason || '') + ')' : 'live'),
          m.sessionId ? [h('dt', null, 'session'), h('dd', { class: 'mono' }, m.sessionId)] : null,
          m.worktree ? [h('dt', null, 'worktree'), h('dd', { class: 'mono' }, m.worktree)] : null)),
        section('Holds', d.holds.length ? h('ul', null, d.holds.map(function (x) { return h('li', null, h('span', { class: 'id' }, x.task), ' ', x.title || '', h('span', { class: 'muted' }, ' since ' + fmt(x.since))); })) : h('p', { class: 'muted' }, 'nothing')),
        section(m.handoff ? 'Handoff' : 'Summary', m.handoff || m.summary ? h('pre', { 'data-field': 'handoff' }, m.handoff || m.summary) : h('p', { class: 'muted' }, 'none yet')),
        section('Checkpoint', cp ? [
          h('p', null, 'taken ' + fmt(cp.at) + (cp.trigger ? ' (' + cp.trigger + ')' : '')),
          h('p', null, 'claims: ' + ((cp.claims || []).join(', ') || 'none')),
          (cp.commits || []).length ? h('ul', null, cp.commits.map(function (c) { return h('li', null, h('code', null, String(c.sha).slice(0, 8)), ' ', c.subject); })) : null,
          (cp.changedFiles || []).length ? h('p', null, 'uncommitted: ', cp.changedFiles.join(', ')) : null,
        ] : h('p', { class: 'muted' }, 'none (taken before a compaction)')),
        section('Commits', table(['sha', 'subject', 'branch', 'when'], d.commits.map(function (c) { return [h('code', null, c.sha.slice(0, 10)), c.subject, c.branch || '', fmt(c.at)]; }))),
        section('Claims', table(['task', 'claimed', 'released', 'why'], d.claims.map(function (c) { return [h('span', { class: 'id' }, c.task), fmt(c.claimedAt), c.releasedAt ? fmt(c.releasedAt) : 'held', c.reason || '']; }))),
        section('Context', d.context
          ? [h('p', { class: 'muted' }, 'What SessionStart injects (source "' + d.contextSource + '"), rendered now from the current database: the same function the hook runs, on today\'s state.'), h('pre', { 'data-field': 'context' }, d.context)]
          : h('p', { class: 'muted' }, 'Not included in reports: run sortie ui.')),
        section('Activity', table(['when', 'what'], d.activity.map(function (a) { return [fmt(a.at), a.text]; })))));
    });
  }

  // ------------------------------------------------------------ routing and live updates
  var current = 'board';
  function route() {
    var hash = location.hash || '#/board';
    var m = /^#\/mission\/(\d+)$/.exec(hash);
    var t = /^#\/timeline(?:\?(.*))?$/.exec(hash);
    current = m ? 'mission' : t ? 'timeline' : 'board';
    // A link can name the window and filters: #/timeline?from=<ISO>&to=<ISO>&agent=&branch=&task=
    if (t && t[1]) {
      var q = new URLSearchParams(t[1]), f = Date.parse(q.get('from') || ''), u = Date.parse(q.get('to') || '');
      if (!isNaN(f) && !isNaN(u) && u > f) { tl.from = new Date(f).toISOString(); tl.to = new Date(u).toISOString(); }
      tl.agent = q.get('agent') || ''; tl.branch = q.get('branch') || ''; tl.task = q.get('task') || '';
    }
    ['board', 'timeline'].forEach(function (v) {
      var a = $('nav-' + v);
      if (v === current) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
    });
    var p = current === 'mission' ? showMission(Number(m[1])) : current === 'timeline' ? (tl.data = null, showTimeline()) : showBoard();
    return p.then(function () { view.focus({ preventScroll: true }); }).catch(failed);
  }
  function refresh() {
    if (current === 'board') return keepFocus(showBoard).catch(failed);
    if (current === 'timeline') return loadTimeline().catch(failed);
    var m = /^#\/mission\/(\d+)$/.exec(location.hash);
    return m ? keepFocus(function () { return showMission(Number(m[1])); }).catch(failed) : null;
  }

  window.addEventListener('hashchange', route);
  window.addEventListener('resize', function () { if (current === 'timeline') drawTimeline(); });

  if (REPORT) {
    replace(live, 'report of ' + fmt(REPORT.generatedAt));
  } else {
    var timer = null;
    var soon = function () { clearTimeout(timer); timer = setTimeout(refresh, 120); };
    var es = new EventSource('api/events');
    es.addEventListener('change', soon);
    es.addEventListener('open', function () { live.classList.add('on'); stamp('live, updated'); });
    es.addEventListener('error', function () { live.classList.remove('on'); replace(live, 'reconnecting…'); });
    // Stale markers change with the clock alone.
    setInterval(refresh, 30000);
  }
  route();
})();
