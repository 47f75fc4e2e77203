// The operator page: plain HTML, CSS and JavaScript served by the Worker (no build step). The script
// reads /ops/api/* and draws small tables and SVG bar charts; the replay buttons post to the API.
export const OPS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Hub operations</title>
<link rel="stylesheet" href="/ops/style.css">
</head>
<body>
<header><h1>Hub operations</h1><span id="generated">loading…</span> <button id="refresh" type="button">Refresh</button></header>
<main>
<section class="cards">
  <div class="card"><h2>Open dead letters</h2><p id="open-dead-letters" class="figure">–</p></div>
  <div class="card"><h2>Needs re-consent</h2><p id="needs-reconsent" class="figure">–</p></div>
  <div class="card"><h2>Stale connections (48 h)</h2><p id="stale-connections" class="figure">–</p></div>
  <div class="card"><h2>Subscriptions due (7 d)</h2><p id="subscriptions-due" class="figure">–</p></div>
</section>
<section><h2>Webhook deliveries per hour (24 h)</h2><div id="webhooks-chart" class="chart"></div></section>
<section><h2>Readiness recomputes per hour (24 h)</h2><div id="recomputes-chart" class="chart"></div></section>
<section><h2>Dead letters</h2><p id="replay-status" role="status"></p>
  <table id="dead-letters"><thead><tr><th>id</th><th>queue</th><th>kind</th><th>vendor</th><th>reason</th><th>attempts</th><th>received</th><th>replayed</th><th></th></tr></thead><tbody></tbody></table>
</section>
<section><h2>Connections</h2>
  <table id="connections"><thead><tr><th>vendor</th><th>active</th><th>needs re-consent</th><th>stale</th></tr></thead><tbody></tbody></table>
</section>
<section><h2>Queues, vendor APIs and webhook outcomes (Analytics Engine)</h2><div id="analytics"></div></section>
</main>
<script src="/ops/app.js" defer></script>
</body>
</html>
`;

export const OPS_STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1d232a; background: #f5f6f8; }
header { display: flex; gap: 1rem; align-items: baseline; padding: .75rem 1.25rem; background: #1d232a; color: #fff; }
header h1 { font-size: 1.1rem; margin: 0; }
main { padding: 1rem 1.25rem; display: grid; gap: 1rem; }
section { background: #fff; border-radius: 6px; padding: .75rem 1rem; box-shadow: 0 1px 2px #0002; }
section h2 { font-size: .95rem; margin: 0 0 .5rem; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(12rem, 1fr)); gap: 1rem; background: none; box-shadow: none; padding: 0; }
.card { background: #fff; border-radius: 6px; padding: .75rem 1rem; box-shadow: 0 1px 2px #0002; }
.figure { font-size: 1.8rem; margin: 0; font-variant-numeric: tabular-nums; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #e3e6ea; }
.chart svg { width: 100%; height: 120px; }
.chart .empty, .note { color: #6b7480; }
button { cursor: pointer; }
`;

export const OPS_SCRIPT = `
"use strict";
const $ = (id) => document.getElementById(id);
const text = (value) => document.createTextNode(value === null || value === undefined ? "" : String(value));

async function api(path, init) {
  const res = await fetch(path, { credentials: "same-origin", ...init });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body.error ? body.error.message : body.reason || ("HTTP " + res.status));
  return body;
}

function fill(table, rows, cells) {
  const tbody = table.querySelector("tbody");
  tbody.replaceChildren(...rows.map((row) => {
    const tr = document.createElement("tr");
    for (const cell of cells(row)) {
      const td = document.createElement("td");
      td.append(cell instanceof Node ? cell : text(cell));
      tr.append(td);
    }
    return tr;
  }));
}

function barChart(container, series) {
  // series: [{label, value}] in time order.
  if (!series.some((s) => s.value > 0)) { container.innerHTML = '<p class="empty">nothing in the last 24 hours</p>'; container.dataset.total = "0"; return; }
  const max = Math.max(...series.map((s) => s.value), 1);
  const width = 100 / series.length;
  const bars = series.map((s, i) => {
    const h = (s.value / max) * 100;
    return '<rect x="' + (i * width + width * 0.1) + '%" y="' + (100 - h) + '%" width="' + (width * 0.8) + '%" height="' + h + '%" fill="#3b6fd8"><title>' +
      s.label.replace(/[<&]/g, "") + ": " + s.value + '</title></rect>';
  }).join("");
  container.innerHTML = '<svg role="img" preserveAspectRatio="none">' + bars + '</svg>';
  container.dataset.total = String(series.reduce((sum, s) => sum + s.value, 0));
}

function byHour(rows, field) {
  // One slot per hour of the last day (25: the SQL window starts inside the oldest hour).
  const totals = new Map();
  for (let i = 24; i >= 0; i--) totals.set(new Date(Date.now() - i * 3600e3).toISOString().slice(0, 13) + ":00Z", 0);
  for (const row of rows) totals.set(row.hour, (totals.get(row.hour) || 0) + row[field]);
  return [...totals].map(([label, value]) => ({ label, value }));
}

async function replay(id, button) {
  button.disabled = true;
  try {
    const result = await api("/ops/api/dead-letters/" + id + "/replay", { method: "POST" });
    $("replay-status").textContent = "dead letter " + id + " " + result.status;
  } catch (error) {
    $("replay-status").textContent = "dead letter " + id + ": " + error.message;
  }
  await load();
}

async function loadAnalytics() {
  const box = $("analytics");
  const figures = await api("/ops/api/metrics");
  if (!figures.available) { box.innerHTML = ""; box.append(Object.assign(document.createElement("p"), { className: "note", textContent: figures.reason })); return; }
  box.innerHTML = "";
  for (const [name, rows] of Object.entries(figures)) {
    if (!Array.isArray(rows)) continue;
    const table = document.createElement("table");
    const keys = rows.length ? Object.keys(rows[0]) : ["(no data)"];
    table.innerHTML = "<caption>" + name + "</caption><thead><tr>" + keys.map((k) => "<th>" + k + "</th>").join("") + "</tr></thead><tbody></tbody>";
    fill(table, rows, (row) => keys.map((k) => row[k]));
    box.append(table);
  }
}

async function load() {
  const [summary, letters] = await Promise.all([api("/ops/api/overview"), api("/ops/api/dead-letters?status=all")]);
  $("generated").textContent = "as of " + summary.generated_at;
  $("open-dead-letters").textContent = summary.dead_letters.reduce((sum, q) => sum + q.open, 0);
  $("needs-reconsent").textContent = summary.connections.reduce((sum, c) => sum + c.needs_reconsent, 0);
  $("stale-connections").textContent = summary.connections.reduce((sum, c) => sum + c.stale, 0);
  $("subscriptions-due").textContent = summary.subscriptions.due_7d + summary.subscriptions.expired;
  barChart($("webhooks-chart"), byHour(summary.webhooks_per_hour, "events"));
  barChart($("recomputes-chart"), byHour(summary.recomputes_per_hour, "snapshots"));
  fill($("connections"), summary.connections, (c) => [c.vendor, c.active, c.needs_reconsent, c.stale]);
  fill($("dead-letters"), letters.items, (d) => {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = d.replayed_at ? "replay again" : "replay";
    button.dataset.replay = String(d.id);
    button.addEventListener("click", () => replay(d.id, button));
    return [d.id, d.queue, d.kind, d.vendor, d.reason, d.attempts, d.received_at, d.replayed_at || "", button];
  });
  document.querySelectorAll("#dead-letters tbody tr").forEach((tr, i) => { tr.dataset.id = String(letters.items[i].id); });
  await loadAnalytics().catch((error) => { $("analytics").textContent = error.message; });
  document.body.dataset.loaded = "true";
}

$("refresh").addEventListener("click", () => load());
load().catch((error) => { $("generated").textContent = "failed: " + error.message; });
`;
