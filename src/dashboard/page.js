// The dashboard page's script, served as /page.js: the content security policy allows only the
// page's own scripts, no inline one.
'use strict';
const WINDOW_S = 30;
// the plot's colours (src/plot/chart.ts), one per detector of the catalogue
const COLORS = { dbscan: '#dc2626', 'isolation-forest': '#16a34a', 'contextual+art': '#9467bd', contextual: '#ff7f0e', art: '#8c564b', 'half-space-trees+likelihood': '#e377c2', 'robust-z-score+likelihood': '#17becf' };
const state = (window.__vigie = { charts: {}, lastAnomalySentAt: null, lastAnomalyRenderedAt: null, maxAnomalyDelayMs: 0 });
const dataset = document.body.dataset;

function chartFor(topic) {
  let c = state.charts[topic];
  if (c) return c;
  c = { xs: [], ys: [], marks: [], dirty: true };
  const box = document.createElement('div');
  box.dataset.topic = topic;
  document.getElementById('charts').appendChild(box);
  c.plot = new uPlot(
    {
      title: topic, width: 900, height: 220,
      series: [{}, { label: topic, stroke: '#2563eb', width: 1.5, points: { show: false } }],
      hooks: { draw: [(u) => drawMarks(u, c)] },
    },
    [c.xs, c.ys],
    box,
  );
  state.charts[topic] = c;
  return c;
}

// Vertical lines at each anomaly; the first time one is drawn, note when.
function drawMarks(u, c) {
  const ctx = u.ctx;
  const { top, height } = u.bbox;
  ctx.save();
  ctx.lineWidth = 2 * devicePixelRatio;
  for (const m of c.marks) {
    // side by side when both detectors flag the same reading
    const x = u.valToPos(m.t, 'x', true) + (m.detector === 'dbscan' ? -1.5 : 1.5) * devicePixelRatio;
    if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
    ctx.strokeStyle = COLORS[m.detector] || '#9333ea';
    ctx.beginPath();
    ctx.moveTo(x, top);
    ctx.lineTo(x, top + height);
    ctx.stroke();
    if (!m.drawn) {
      m.drawn = true;
      const now = Date.now();
      state.lastAnomalySentAt = m.sentAt;
      state.lastAnomalyRenderedAt = now;
      state.maxAnomalyDelayMs = Math.max(state.maxAnomalyDelayMs, now - m.sentAt);
      dataset.anomalies = String(Number(dataset.anomalies) + 1);
    }
  }
  ctx.restore();
}

function trim(c, now) {
  const oldest = now - WINDOW_S;
  let i = 0;
  while (i < c.xs.length && c.xs[i] < oldest) i++;
  if (i > 0) { c.xs.splice(0, i); c.ys.splice(0, i); }
  c.marks = c.marks.filter((m) => m.t >= oldest);
}

// Redraw at most ten times a second, whatever the message rate.
setInterval(() => {
  for (const c of Object.values(state.charts)) {
    if (!c.dirty) continue;
    c.dirty = false;
    const last = c.xs.length ? c.xs[c.xs.length - 1] : Date.now() / 1000;
    trim(c, last);
    c.plot.setData([c.xs, c.ys]);
  }
}, 100);

function text(id, value) { document.getElementById(id).textContent = value; }

const handlers = {
  reading(m) {
    const c = chartFor(m.topic);
    const t = m.time / 1000;
    if (c.xs.length && t < c.xs[c.xs.length - 1]) return;
    c.xs.push(t);
    c.ys.push(m.value);
    c.dirty = true;
    dataset.readings = String(Number(dataset.readings) + 1);
  },
  anomaly(m) {
    const c = chartFor(m.topic);
    c.marks.push({ t: m.time / 1000, detector: m.detector, sentAt: m.sentAt, drawn: false });
    c.dirty = true;
  },
  suspicious(m) {
    const row = document.createElement('tr');
    // a learned model's probability and the features that pushed it most (log-odds, signed)
    const model = m.model === undefined ? '' : `${m.model.score.toFixed(3)} ${m.model.version}\n${m.model.top.map((t) => `${t.feature} = ${t.value === null ? '–' : t.value}: ${t.contribution >= 0 ? '+' : ''}${t.contribution.toFixed(2)}`).join('\n')}`;
    const cells = [m.timestamp, m.id, `${m.amount} ${m.currency}`, m.reasons.join(', '), m.score.toFixed(2), model];
    cells.forEach((v, i) => {
      const td = document.createElement('td');
      td.textContent = String(v);
      if (i === 2 || i === 4) td.className = 'num';
      if (i === 5) td.className = 'hits';
      row.appendChild(td);
    });
    const body = document.getElementById('suspicious');
    body.prepend(row);
    while (body.rows.length > 20) body.deleteRow(-1);
    dataset.suspicious = String(Number(dataset.suspicious) + 1);
  },
  // The rules in force: replaced whole at each message (a rule book is small).
  rules(m) {
    const body = document.getElementById('rules');
    const rows = m.rules.map((r) => {
      const row = document.createElement('tr');
      row.dataset.rule = r.id;
      if (!r.enabled) row.className = 'disabled';
      const since = r.from === null ? 'start' : new Date(r.from).toISOString().replace('T', ' ').slice(0, 19);
      const latest = r.latest.map((h) => `${h.transactionId}: ${h.value === null ? '–' : h.value} / ${h.limit}, ${h.time}${h.version === r.version ? '' : ` (v${h.version})`}`).join('\n');
      const cells = [r.enabled ? r.id : `${r.id} (disabled)`, `v${r.version}`, `${since} (${r.source})`, r.hitsPerMinute, latest];
      cells.forEach((v, i) => {
        const td = document.createElement('td');
        td.textContent = String(v);
        if (i === 3) td.className = 'num';
        if (i === 4) td.className = 'hits';
        if (i === 0 && r.description) td.title = r.description;
        row.appendChild(td);
      });
      return row;
    });
    body.replaceChildren(...rows);
    dataset.rules = String(m.rules.length);
  },
  stats(m) {
    text('s-rate', m.readingsPerSecond.toFixed(1));
    text('s-anomalies', m.anomalies);
    text('s-suspicious', m.suspicious);
    text('s-dead', m.deadLetters);
    text('s-rows', m.rowsWritten);
    text('s-latency', m.latencyMs === null ? '–' : m.latencyMs.toFixed(0));
    if (typeof m.consumerLag === 'number') {
      document.getElementById('lag').hidden = false;
      text('s-lag', m.consumerLag);
    }
    // What is down and since when; vigie waits for it and resumes by itself.
    document.getElementById('down').hidden = !m.down;
    text('down', m.down ? `Waiting for: ${m.down}` : '');
  },
};

new EventSource('/events').onmessage = (e) => {
  const m = JSON.parse(e.data);
  handlers[m.type]?.(m);
};
