// The dashboard page the head serves at / (actors/http_console.h): one page,
// no CDN, no framework. It reads the admin token from the URL's fragment
// (#token=..., never sent to the server), keeps it in sessionStorage, and
// polls the JSON API every second: nodes, queues, programs, and for the
// selected program its DAG with live portion states and a chart of the
// capacity it held over time. Every value is inserted as text, never as HTML.
#include "actors/http_console.h"

namespace tranche {

const char* const kDashboardHtml = R"HTML(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>tranche</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #1d2330; background: #fafbfc; }
h1 { font-size: 20px; margin: 0 0 .3em; }
h2 { font-size: 15px; margin: 1.4em 0 .4em; }
table { border-collapse: collapse; background: #fff; }
th, td { border: 1px solid #d8dce3; padding: 3px 9px; text-align: left; }
th { background: #eef1f5; font-weight: 600; }
tr.sel td { background: #e3edff; }
#programs tbody tr { cursor: pointer; }
#status { color: #555; }
#error { color: #b00020; font-weight: 600; }
.panel { display: inline-block; vertical-align: top; margin-right: 2em; }
svg { background: #fff; border: 1px solid #d8dce3; }
.portion rect { stroke: #445; stroke-width: 1; rx: 4; }
.portion[data-state="waiting"] rect { fill: #e6e8ec; }
.portion[data-state="running"] rect { fill: #bcd4ff; }
.portion[data-state="done"] rect { fill: #c4ecc8; }
.portion text { font-size: 12px; }
.edge { stroke: #778; stroke-width: 1.5; fill: none; marker-end: url(#arrow); }
.line { stroke: #2a62d6; stroke-width: 2; fill: rgba(42, 98, 214, .15); }
.axis { stroke: #999; stroke-width: 1; }
.tick { font-size: 11px; fill: #555; }
</style>
</head>
<body>
<h1>tranche</h1>
<div id="status">connecting…</div>
<div id="error"></div>
<h2>Nodes</h2>
<table id="nodes"><thead><tr><th>node</th><th>state</th><th>slots</th><th>free</th><th>memory</th><th>free memory</th><th>leases</th></tr></thead><tbody></tbody></table>
<h2>Queues</h2>
<table id="queues"><thead><tr><th>queue</th><th>weight</th><th>used slots</th><th>waiting programs</th><th>requests</th><th>share</th></tr></thead><tbody></tbody></table>
<h2>Programs</h2>
<table id="programs"><thead><tr><th>id</th><th>state</th><th>queue</th><th>submitter</th><th>wall</th><th>slot-seconds</th><th>held</th><th>program</th></tr></thead><tbody></tbody></table>
<div id="detail" hidden>
<h2 id="detail-title"></h2>
<div id="detail-error"></div>
<div class="panel"><h2>Plan</h2><svg id="dag" width="10" height="10"></svg></div>
<div class="panel"><h2>Capacity held</h2><svg id="capacity-chart" width="560" height="220"></svg></div>
</div>
<script>
"use strict";
const NS = "http://www.w3.org/2000/svg";
let token = sessionStorage.getItem("tranche-token") || "";
const m = /(?:^#|&)token=([^&]*)/.exec(location.hash);
if (m) {
  token = decodeURIComponent(m[1]);
  sessionStorage.setItem("tranche-token", token);
  history.replaceState(null, "", location.pathname + location.search);
}
let selected = null;

async function api(path) {
  const r = await fetch(path, { headers: { Authorization: "Bearer " + token }, cache: "no-store" });
  const body = await r.json();
  if (!r.ok) throw new Error(body.error || ("HTTP " + r.status));
  return body;
}
function el(tag, text, attrs) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
  return e;
}
function svg(tag, attrs, text) {
  const e = document.createElementNS(NS, tag);
  for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
  if (text !== undefined) e.textContent = String(text);
  return e;
}
function fill(table, rows) {
  const body = document.querySelector("#" + table + " tbody");
  body.replaceChildren(...rows);
}
function row(cells, attrs) {
  const tr = el("tr", null, attrs);
  for (const c of cells) tr.appendChild(el("td", c));
  return tr;
}
function mem(b) {
  if (b >= 1 << 30) return (b / (1 << 30)).toFixed(1) + " GiB";
  return (b / (1 << 20)).toFixed(0) + " MiB";
}
function secs(s) { return s < 1 ? Math.round(s * 1000) + " ms" : s < 60 ? s.toFixed(1) + " s" : Math.floor(s / 60) + " m " + Math.round(s % 60) + " s"; }

function drawDag(p) {
  const box = document.getElementById("dag");
  const depth = {};
  const d = (q) => {
    if (depth[q.id] !== undefined) return depth[q.id];
    let k = 0;
    for (const i of q.inputs) k = Math.max(k, d(p.portions[i]) + 1);
    return (depth[q.id] = k);
  };
  const layers = [];
  for (const q of p.portions) (layers[d(q)] = layers[d(q)] || []).push(q);
  const W = 230, H = 58, GX = 50, GY = 22;
  const pos = {};
  layers.forEach((layer, x) => layer.forEach((q, y) => (pos[q.id] = { x: 10 + x * (W + GX), y: 10 + y * (H + GY) })));
  const width = 20 + layers.length * (W + GX) - GX, height = 20 + Math.max(...layers.map((l) => l.length)) * (H + GY) - GY;
  box.setAttribute("width", width);
  box.setAttribute("height", height);
  const defs = svg("defs");
  const marker = svg("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto" });
  marker.appendChild(svg("path", { d: "M0,0 L10,5 L0,10 z", fill: "#778" }));
  defs.appendChild(marker);
  const parts = [defs];
  for (const q of p.portions)
    for (const i of q.inputs) {
      const a = pos[i], b = pos[q.id];
      parts.push(svg("path", { class: "edge", d: `M${a.x + W},${a.y + H / 2} C${a.x + W + GX / 2},${a.y + H / 2} ${b.x - GX / 2},${b.y + H / 2} ${b.x},${b.y + H / 2}` }));
    }
  for (const q of p.portions) {
    const g = svg("g", { class: "portion", "data-state": q.state, "data-portion": q.id, transform: `translate(${pos[q.id].x},${pos[q.id].y})` });
    g.appendChild(svg("rect", { width: W, height: H }));
    const name = q.name.length > 34 ? q.name.slice(0, 33) + "…" : q.name;
    g.appendChild(svg("text", { x: 8, y: 18 }, `${q.id}: ${name}`));
    g.appendChild(svg("text", { x: 8, y: 36 }, `${q.state} · ${q.tasks_done}/${q.tasks_total} tasks`));
    g.appendChild(svg("text", { x: 8, y: 52 }, `${q.slots_held} slots held · peak ${q.peak_slots}`));
    parts.push(g);
  }
  box.replaceChildren(...parts);
}

function drawCapacity(p) {
  const box = document.getElementById("capacity-chart");
  const W = 560, H = 220, L = 40, B = 30, T = 10, R = 10;
  const end = Math.max(p.wall_seconds, 0.001);
  const pts = p.capacity.slice();
  const peak = Math.max(1, ...pts.map((s) => s.slots));
  const x = (t) => L + (W - L - R) * Math.min(t, end) / end;
  const y = (n) => H - B - (H - B - T) * n / peak;
  let d = `M${x(0)},${y(0)}`;
  let held = 0;
  for (const s of pts) { d += ` L${x(s.at)},${y(held)} L${x(s.at)},${y(s.slots)}`; held = s.slots; }
  d += ` L${x(end)},${y(held)} L${x(end)},${y(0)} Z`;
  const parts = [
    svg("line", { class: "axis", x1: L, y1: H - B, x2: W - R, y2: H - B }),
    svg("line", { class: "axis", x1: L, y1: T, x2: L, y2: H - B }),
    svg("path", { class: "line", d: d, "data-samples": pts.length }),
    svg("text", { class: "tick", x: 4, y: y(peak) + 4 }, peak),
    svg("text", { class: "tick", x: 4, y: y(0) + 4 }, 0),
    svg("text", { class: "tick", x: L, y: H - 8 }, "0 s"),
    svg("text", { class: "tick", x: W - R - 60, y: H - 8 }, secs(end)),
  ];
  box.replaceChildren(...parts);
}

async function refresh() {
  try {
    const [status, programs] = await Promise.all([api("/api/v1/status"), api("/api/v1/programs")]);
    document.getElementById("error").textContent = "";
    document.getElementById("status").textContent =
      `${status.nodes.length} nodes · ${status.slots - status.free_slots} of ${status.slots} slots used · ${status.leases} leases · ${status.running.length} programs running`;
    fill("nodes", status.nodes.map((n) => row([n.id, n.state, n.slots, n.free_slots, mem(n.memory), mem(n.free_memory), n.leases])));
    fill("queues", status.queues.map((q) => row([q.name, q.weight, q.used_slots, q.waiting_programs, q.requests, q.share.toFixed(2)])));
    if (selected === null && programs.length) selected = (programs.find((p) => p.state === "running") || programs[0]).id;
    fill("programs", programs.map((p) => {
      const tr = row([p.id, p.state, p.queue, p.submitter, secs(p.wall_seconds), p.slot_seconds.toFixed(1), p.slots_held, p.text.slice(0, 80)],
                     { "data-program": p.id, class: p.id === selected ? "sel" : "" });
      tr.addEventListener("click", () => { selected = p.id; refresh(); });
      return tr;
    }));
    if (selected !== null) {
      const p = await api("/api/v1/programs/" + selected);
      document.getElementById("detail").hidden = false;
      document.getElementById("detail-title").textContent = `Program ${p.id}: ${p.state} · ${secs(p.wall_seconds)} · ${p.slot_seconds.toFixed(1)} slot-seconds`;
      document.getElementById("detail-error").textContent = p.error || "";
      drawDag(p);
      drawCapacity(p);
    }
  } catch (e) {
    document.getElementById("error").textContent = e.message;
  }
}
refresh();
setInterval(refresh, 1000);
</script>
</body>
</html>
)HTML";

}  // namespace tranche
