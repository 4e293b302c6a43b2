// The notebook page (see notebook_page.h): one self-contained page, no CDN,
// no framework, for Chromium and Firefox. Every value from the kernel is
// inserted with textContent, never as HTML: a result cell holding
// "<b>x</b>" shows those characters.
//
// Hooks for tests and scripts: each cell is a .cell whose data-state is its
// statement's state; result tables are table.result; error outputs are
// .error; the session state badge is #state with data-state.
//
// The fragment may carry, besides token=..., run=<URL-encoded SQL>: the page
// puts that SQL in the first cell and runs it once. Headless browsers'
// --dump-dom cannot type, so the page tests use it; it is harmless, since it
// runs only SQL that the holder of the token put in the same link (never with
// the token the tab kept in sessionStorage), and it is removed from the
// address bar with the token.
#include "actors/notebook_page.h"

namespace tranche {

const char* const kNotebookHtml = R"HTML(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>tranche notebook</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1d2330; background: #fafbfc; }
header { display: flex; align-items: center; gap: 1em; padding: .7em 1.5em; background: #fff;
         border-bottom: 1px solid #d8dce3; position: sticky; top: 0; z-index: 1; flex-wrap: wrap; }
h1 { font-size: 18px; margin: 0; }
#session { color: #555; }
#state { font-size: 12px; padding: 2px 9px; border-radius: 10px; background: #e6e8ec; }
#state[data-state="idle"] { background: #c4ecc8; }
#state[data-state="busy"], #state[data-state="starting"] { background: #bcd4ff; }
#state[data-state="stopped"], #state[data-state="failed"], #state[data-state="culled"],
#state[data-state="stopping"], #state[data-state="unreachable"] { background: #f6c9cf; }
.tools { margin-left: auto; display: flex; gap: .4em; align-items: center; }
input, select, button { font: inherit; }
button { padding: 2px 10px; border: 1px solid #b9c0cc; border-radius: 4px; background: #f3f5f8; cursor: pointer; }
button:hover { background: #e6eaf0; }
#message { margin: .8em 1.5em 0; color: #b00020; font-weight: 600; }
#message:empty { display: none; }
#notice { margin: .4em 1.5em 0; color: #555; }
main { padding: .5em 1.5em 3em; }
.cell { display: grid; grid-template-columns: 4.5em 1fr; gap: 0 .5em; margin: .8em 0; }
.count { font: 13px ui-monospace, monospace; color: #2a62d6; text-align: right; padding-top: 6px; }
.cell[data-state="running"] .count, .cell[data-state="waiting"] .count { color: #b26b00; }
.cell[data-state="error"] .count { color: #b00020; }
textarea { width: 100%; box-sizing: border-box; font: 13px/1.4 ui-monospace, monospace; padding: 6px 8px;
           border: 1px solid #c5cbd5; border-radius: 4px; resize: vertical; background: #fff; }
.cell[data-state="running"] textarea, .cell[data-state="waiting"] textarea { border-color: #e0a040; }
.actions { grid-column: 2; display: flex; gap: .4em; margin-top: .3em; align-items: center; color: #777; font-size: 12px; }
.output { grid-column: 2; margin-top: .4em; overflow-x: auto; }
table.result { border-collapse: collapse; background: #fff; font: 13px ui-monospace, monospace; }
table.result th, table.result td { border: 1px solid #d8dce3; padding: 2px 9px; text-align: left; white-space: pre; }
table.result th { background: #eef1f5; font-weight: 600; }
table.result td.num { text-align: right; }
table.result td.null { color: #999; font-style: italic; }
.meta { color: #666; font-size: 12px; margin-top: .2em; }
.error { color: #b00020; white-space: pre-wrap; font: 13px ui-monospace, monospace; }
.cancelled { color: #b26b00; }
</style>
</head>
<body>
<header>
<h1>tranche notebook</h1>
<span id="session"></span>
<span id="state" data-state="unknown">connecting</span>
<div class="tools">
<button id="add" type="button">Add cell</button>
<input id="name" placeholder="notebook name" size="16" pattern="[A-Za-z0-9_\-][A-Za-z0-9_.\-]{0,63}">
<button id="save" type="button">Save</button>
<select id="notebooks"><option value="">saved notebooks…</option></select>
<button id="load" type="button">Load</button>
</div>
</header>
<div id="message"></div>
<div id="notice"></div>
<main id="cells"></main>
<script>
"use strict";
const params = new URLSearchParams(location.hash.slice(1));
let token = params.get("token") || sessionStorage.getItem("tranche-session-token") || "";
// The test hook (see notebook_page.cc), only with the token in the same
// link: a link without one must not run SQL with the token this tab kept.
const runOnce = params.get("token") ? params.get("run") : null;
if (location.hash) history.replaceState(null, "", location.pathname + location.search);
if (token) sessionStorage.setItem("tranche-session-token", token);
let refused = false;
const $ = (id) => document.getElementById(id);
const NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}$/;

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}
function say(text) { $("message").textContent = text; }
function notice(text) { $("notice").textContent = text; }

class ApiError extends Error {}
async function api(method, path, body) {
  if (!token) throw new ApiError("no token");
  if (refused) throw new ApiError("the session refused the token");
  const opts = { method, headers: { Authorization: "Bearer " + token }, cache: "no-store" };
  if (body !== undefined) {
    opts.body = JSON.stringify(body);
    opts.headers["Content-Type"] = "application/json";
  }
  const r = await fetch(path, opts);
  let j = null;
  try { j = await r.json(); } catch (e) { j = null; }
  if (r.status === 401) {
    refused = true;
    say("The session refused the token (401). Open the notebook again with the link that " +
        "`tranche session` printed (…/#token=trs_…).");
    throw new ApiError("the session refused the token");
  }
  if (!r.ok) throw new ApiError((j && j.error) || ("HTTP " + r.status));
  return j;
}

// ---- cells ----
function addCell(code, after) {
  const cell = el("div", "cell");
  cell.dataset.state = "new";
  const count = el("div", "count", "[ ]");
  const ta = el("textarea");
  ta.rows = 3;
  ta.spellcheck = false;
  ta.placeholder = "SELECT …   (Shift+Enter runs)";
  ta.value = code || "";
  const actions = el("div", "actions");
  const run = el("button", "run", "Run");
  run.type = "button";
  const cancel = el("button", "cancel", "Cancel");
  cancel.type = "button";
  cancel.hidden = true;
  const hint = el("span", "hint", "Shift+Enter");
  actions.append(run, cancel, hint);
  const output = el("div", "output");
  cell.append(count, ta, el("div"), actions, el("div"), output);
  cell.parts = { count, ta, run, cancel, output };
  run.addEventListener("click", () => runCell(cell));
  cancel.addEventListener("click", () => cancelCell(cell));
  ta.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && ev.shiftKey) {
      ev.preventDefault();
      runCell(cell);
    }
  });
  ta.addEventListener("input", () => fit(ta));
  if (after && after.nextSibling) $("cells").insertBefore(cell, after.nextSibling);
  else $("cells").append(cell);
  fit(ta);
  return cell;
}
function fit(ta) { ta.rows = Math.min(30, Math.max(3, ta.value.split("\n").length)); }
function cells() { return Array.from(document.querySelectorAll(".cell")); }

function setState(cell, state) {
  cell.dataset.state = state;
  const busy = state === "waiting" || state === "running";
  cell.parts.cancel.hidden = !busy;
  cell.parts.run.disabled = busy;
}

async function runCell(cell) {
  const p = cell.parts;
  const code = p.ta.value;
  if (!code.trim() || cell.dataset.state === "waiting" || cell.dataset.state === "running") return;
  const list = cells();
  if (list[list.length - 1] === cell) addCell("", cell).parts.ta.focus();
  p.output.replaceChildren();
  setState(cell, "waiting");
  let st;
  try {
    st = await api("POST", "/api/v1/statements", { code });
  } catch (e) {
    setState(cell, "error");
    p.output.replaceChildren(el("div", "error", "error: " + e.message));
    return;
  }
  cell.statement = st.id;
  p.count.textContent = "[" + st.id + "]";
  setState(cell, st.state || "waiting");
  let delay = 20;
  for (;;) {
    await new Promise((ok) => setTimeout(ok, delay));
    delay = Math.min(delay * 2, 200);
    let s;
    try {
      s = await api("GET", "/api/v1/statements/" + st.id);
    } catch (e) {
      setState(cell, "error");
      p.output.replaceChildren(el("div", "error", "error: " + e.message));
      return;
    }
    if (cell.statement !== st.id) return;  // run again meanwhile
    setState(cell, s.state);
    if (s.state === "available" || s.state === "error" || s.state === "cancelled") {
      render(p.output, s);
      return;
    }
  }
}

async function cancelCell(cell) {
  if (!cell.statement) return;
  try {
    await api("POST", "/api/v1/statements/" + cell.statement + "/cancel");
  } catch (e) {
    notice("cancel: " + e.message);
  }
}

function render(out, s) {
  const o = s.output || {};
  const took = s.completed && s.started ? (s.completed - s.started).toFixed(3) + " s" : "";
  if (s.state === "cancelled" || o.status === "cancelled") {
    out.replaceChildren(el("div", "cancelled", "cancelled"));
    return;
  }
  if (s.state === "error" || o.status === "error") {
    out.replaceChildren(el("div", "error", "error: " + (o.error || "the statement failed")));
    return;
  }
  const cols = o.columns || [], types = o.types || [], rows = o.rows || [];
  if (!cols.length) {
    out.replaceChildren(el("div", "meta", "ok" + (took ? " (" + took + ")" : "")));
    return;
  }
  const table = el("table", "result");
  const head = el("tr");
  for (const c of cols) head.append(el("th", "", String(c)));
  table.append(el("thead"));
  table.tHead.append(head);
  const body = el("tbody");
  for (const row of rows) {
    const tr = el("tr");
    row.forEach((v, i) => {
      const num = types[i] === "BIGINT" || types[i] === "DOUBLE";
      if (v === null) tr.append(el("td", "null", "NULL"));
      else tr.append(el("td", num ? "num" : "", String(v)));
    });
    body.append(tr);
  }
  table.append(body);
  const n = o.row_count === undefined ? rows.length : o.row_count;
  const meta = [el("div", "meta", "(" + n + (n === 1 ? " row" : " rows") + (took ? ", " + took : "") + ")")];
  if (o.truncated) meta.push(el("div", "meta", "(showing the first " + rows.length + " of " + n + " rows)"));
  out.replaceChildren(table, ...meta);
}

// ---- session state ----
async function pollSession() {
  try {
    const s = await api("GET", "/api/v1/session");
    $("state").textContent = s.state;
    $("state").dataset.state = s.state;
    $("session").textContent = (s.name ? s.name + " · " : "") + s.id + " on node " + s.node;
    if (s.state === "stopped" || s.state === "failed" || s.state === "culled")
      say("The session is " + s.state + (s.reason ? ": " + s.reason : "") + ".");
  } catch (e) {
    if (!(e instanceof ApiError)) {
      $("state").textContent = "unreachable";
      $("state").dataset.state = "unreachable";
    } else if (refused) {
      $("state").textContent = "refused";
      $("state").dataset.state = "refused";
    }
  }
  if (!refused) setTimeout(pollSession, 2000);
}

// ---- notebooks ----
async function listNotebooks() {
  try {
    const j = await api("GET", "/api/v1/notebooks");
    const sel = $("notebooks");
    sel.replaceChildren(el("option", "", "saved notebooks…"));
    sel.firstChild.value = "";
    for (const n of j.notebooks || []) {
      const o = el("option", "", String(n));
      o.value = String(n);
      sel.append(o);
    }
  } catch (e) { /* the state badge and message tell */ }
}

function notebookName() {
  const name = $("name").value.trim() || $("notebooks").value;
  if (!NAME.test(name)) {
    notice("A notebook name is 1-64 letters, digits, _, - or . (not starting with .)");
    return null;
  }
  return name;
}

async function save() {
  const name = notebookName();
  if (!name) return;
  const nb = { format: "tranche-notebook", version: 1,
               cells: cells().map((c) => ({ code: c.parts.ta.value })).filter((c) => c.code.trim()) };
  try {
    await api("PUT", "/api/v1/notebooks/" + encodeURIComponent(name), nb);
    notice("saved " + name);
    listNotebooks();
  } catch (e) {
    notice("save: " + e.message);
  }
}

async function load() {
  const name = $("notebooks").value || $("name").value.trim();
  if (!NAME.test(name)) { notice("choose a saved notebook"); return; }
  try {
    const nb = await api("GET", "/api/v1/notebooks/" + encodeURIComponent(name));
    if (!nb || nb.format !== "tranche-notebook" || !Array.isArray(nb.cells)) {
      notice(name + " is not a tranche notebook");
      return;
    }
    $("cells").replaceChildren();
    for (const c of nb.cells) addCell(typeof c.code === "string" ? c.code : "");
    addCell("");
    $("name").value = name;
    notice("loaded " + name);
  } catch (e) {
    notice("load: " + e.message);
  }
}

$("add").addEventListener("click", () => addCell("").parts.ta.focus());
$("save").addEventListener("click", save);
$("load").addEventListener("click", load);
$("notebooks").addEventListener("change", () => { if ($("notebooks").value) $("name").value = $("notebooks").value; });

const first = addCell(runOnce || "");
if (!token) {
  say("No session token: open the notebook with the link that `tranche session` printed " +
      "(…/#token=trs_…).");
  $("state").textContent = "no token";
} else {
  pollSession();
  listNotebooks();
  if (runOnce) runCell(first);
  else first.parts.ta.focus();
}
</script>
</body>
</html>
)HTML";

}  // namespace tranche
