// greenshift serve: the page. Controls come from /api/scenario; every change sends
// the whole state to /api/study (the previous request is aborted, and the server
// drops it too: each request carries this page's id and a sequence number) and
// redraws the headline figures and charts from the answer. docs/serve.md.
"use strict";

const token = new URLSearchParams(location.search).get("token");
const client = Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, "0")).join("");
let seq = 0;
let inflight = null;
let described = null;  // /api/scenario answer for the scenario shown
let timer = null;
let pending = false;   // a change waits for the pause in typing: "ready" only when none does
let changedAt = null;  // when a control last changed (performance.now()), for the status line and bench/
const charts = {};

const $ = (id) => document.getElementById(id);
const withToken = (url) => (token ? url + (url.includes("?") ? "&" : "?") + "token=" + encodeURIComponent(token) : url);

async function api(url, options = {}) {
  const headers = Object.assign({}, options.headers || {});
  if (token) headers["X-Greenshift-Token"] = token;
  const res = await fetch(url, Object.assign({}, options, { headers }));
  let body = null;
  try { body = await res.json(); } catch (e) { body = { error: "the server's answer is not JSON (" + res.status + ")" }; }
  return { status: res.status, body };
}

function setState(state, text) {
  document.body.dataset.state = state;
  $("status").textContent = text;
}

// ---------- numbers ----------
const grouped = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
function money(v) {
  if (v === null || v === undefined || !isFinite(v)) return "n/a";
  const a = Math.abs(v);
  if (a >= 1e9) return (v / 1e9).toFixed(2) + " bn MAD";
  if (a >= 1e6) return (v / 1e6).toFixed(1) + " M MAD";
  return grouped.format(v) + " MAD";
}
const tonnes = (v) => (v === null || !isFinite(v) ? "n/a" : grouped.format(Math.round(v)) + " t");
const plain = (v, unit) => (v === null || !isFinite(v) ? "n/a" : grouped.format(Math.round(v)) + unit);

// ---------- controls ----------
function field(path, labelText, units, input) {
  const div = document.createElement("div");
  div.className = "field";
  div.dataset.path = path;
  const label = document.createElement("label");
  const span = document.createElement("span");
  span.textContent = labelText + " ";
  if (units) {
    const u = document.createElement("span");
    u.className = "units";
    u.textContent = "(" + units + ")";
    span.appendChild(u);
  }
  label.appendChild(span);
  label.appendChild(input);
  div.appendChild(label);
  const msg = document.createElement("div");
  msg.className = "msg";
  div.appendChild(msg);
  return div;
}

function numberInput(control) {
  const input = document.createElement("input");
  input.type = "number";
  input.step = control.kind === "integer" ? "1" : "any";
  input.value = control.value;
  input.dataset.path = control.path;
  input.dataset.kind = control.kind;
  input.dataset.original = String(control.value);
  input.id = "c-" + control.path.replace(/[^a-z0-9]+/gi, "-");
  input.addEventListener("input", schedule);
  return input;
}

function sizeClassesInput(control) {
  const box = document.createElement("span");
  box.dataset.path = control.path;
  box.dataset.kind = "size_classes";
  box.dataset.original = JSON.stringify(control.value);
  box.id = "c-" + control.path.replace(/[^a-z0-9]+/gi, "-");
  for (const z of ["micro", "small", "medium", "large"]) {
    const l = document.createElement("label");
    l.style.display = "inline";
    const c = document.createElement("input");
    c.type = "checkbox";
    c.value = z;
    c.checked = control.value.includes(z);
    c.addEventListener("change", schedule);
    l.appendChild(c);
    l.appendChild(document.createTextNode(z + " "));
    box.appendChild(l);
  }
  return box;
}

function drawControls(d) {
  $("replicates").value = d.replicates;
  $("replicates").max = d.max_replicates;
  $("seed").value = d.seed_text;
  const economy = $("economy");
  economy.replaceChildren();
  for (const c of d.economy) economy.appendChild(field(c.path, c.label, c.units, numberInput(c)));
  const policies = $("policies");
  policies.replaceChildren();
  for (const p of d.policies) {
    const fs = document.createElement("fieldset");
    fs.dataset.policy = p.name;
    const legend = document.createElement("legend");
    if (!p.added) {
      const tick = document.createElement("input");
      tick.type = "checkbox";
      tick.checked = p.programme;
      tick.className = "programme";
      tick.value = p.name;
      tick.id = "p-" + p.name;
      tick.addEventListener("change", () => { fs.classList.toggle("off", !tick.checked); schedule(); });
      legend.appendChild(tick);
    }
    legend.appendChild(document.createTextNode(" " + p.name + " "));
    const small = document.createElement("small");
    small.textContent = p.added ? "carbon_price, added to the programme when above 0" : p.type;
    legend.appendChild(small);
    fs.appendChild(legend);
    fs.classList.toggle("off", !p.programme && !p.added);
    for (const c of p.controls)
      fs.appendChild(field(c.path, c.label, c.units, c.kind === "size_classes" ? sizeClassesInput(c) : numberInput(c)));
    policies.appendChild(fs);
  }
}

// The page's state as a study request: only values that differ from the file.
function request() {
  const changes = {}, economy = {};
  let carbon = null;
  for (const el of document.querySelectorAll("#controls [data-kind]")) {
    const path = el.dataset.path;
    if (el.dataset.kind === "size_classes") {
      const v = Array.from(el.querySelectorAll("input:checked"), (c) => c.value);
      if (JSON.stringify(v) !== el.dataset.original) changes[path] = v;
      continue;
    }
    if (el.value.trim() === "") continue;
    const v = Number(el.value);
    if (String(v) === el.dataset.original || v === Number(el.dataset.original)) continue;
    if (el.dataset.kind === "scale") economy[path] = v;
    else if (path === "carbon_price") carbon = v;
    else changes[path] = v;
  }
  const programme = Array.from(document.querySelectorAll("input.programme:checked"), (c) => c.value);
  const body = { scenario: $("scenario").value, client, seq: ++seq, programme, changes, economy,
                 replicates: Number($("replicates").value) };
  if (carbon !== null) body.carbon_price = carbon;
  // A seed beyond 2^53 is not a JSON-safe number: sent as written.
  const seedText = $("seed").value.trim();
  let text = JSON.stringify(body);
  if (/^[0-9]{1,20}$/.test(seedText)) text = text.slice(0, -1) + ',"seed":' + seedText + "}";
  return { body, text };
}

function clearMessages() {
  for (const f of document.querySelectorAll(".field")) {
    f.classList.remove("bad");
    f.querySelector(".msg").textContent = "";
  }
  $("general-msg").textContent = "";
}

function showErrors(answer) {
  const fields = answer.fields || {};
  let placed = false;
  for (const [path, message] of Object.entries(fields)) {
    const f = document.querySelector(`.field[data-path="${CSS.escape(path)}"]`);
    if (!f) continue;
    f.classList.add("bad");
    f.querySelector(".msg").textContent = message;
    placed = true;
  }
  if (!placed) $("general-msg").textContent = answer.error;
}

function schedule() {
  changedAt = performance.now();
  pending = true;
  if (document.body.dataset.state !== "computing") setState("pending", "waiting for the change to settle…");
  clearTimeout(timer);
  timer = setTimeout(compute, 150);  // a pause in typing, not every keystroke
}

async function compute() {
  pending = false;
  if (inflight) inflight.abort();
  const controller = new AbortController();
  inflight = controller;
  const { body, text } = request();
  setState("computing", "computing " + body.replicates + " replicates…");
  const started = performance.now();
  let res;
  try {
    res = await fetch("api/study", {
      method: "POST", body: text, signal: controller.signal,
      headers: Object.assign({ "Content-Type": "application/json" }, token ? { "X-Greenshift-Token": token } : {}),
    });
  } catch (e) {
    if (e.name === "AbortError") return;  // a newer request took over
    setState("error", "the server does not answer");
    return;
  }
  let answer;
  try { answer = await res.json(); } catch (e) { answer = { error: "the server's answer is not JSON" }; }
  if (controller !== inflight) return;
  inflight = null;
  clearMessages();
  if (res.status === 409) return;  // superseded
  if (res.status !== 200) {
    showErrors(answer);
    setState(pending ? "pending" : "error",
             "not computed: " + (res.status === 422 ? "see the field marked in red" : answer.error));
    return;
  }
  draw(answer);
  const now = performance.now();
  const ms = now - started;
  document.body.dataset.seq = String(answer.seq);
  document.body.dataset.ms = String(Math.round(ms));  // request sent -> charts drawn
  if (changedAt !== null) document.body.dataset.changeMs = String(Math.round(now - changedAt));  // control changed -> drawn
  const reused = answer.runs_reused ? `, ${answer.runs_reused} of them from earlier studies` : "";
  setState(pending ? "pending" : "ready", `${answer.runs} runs (${answer.replicates} replicates × programme and baseline${reused}) in ` +
           `${answer.seconds.toFixed(2)} s; drawn ${Math.round(ms)} ms after the request`);
}

// ---------- results ----------
function indicator(answer, name) { return answer.indicators.find((i) => i.name === name); }

function headline(id, ind, format) {
  const el = $(id);
  if (!ind) { el.textContent = "n/a"; $(id + "-band").textContent = ""; el.dataset.value = ""; return; }
  el.textContent = format(ind.mean);
  el.dataset.value = ind.mean === null ? "" : String(ind.mean);
  $(id + "-band").textContent = `90%: ${format(ind.p5)} – ${format(ind.p95)}`;
}

const palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

function bandSets(label, band, color) {
  return [
    { label: label + " p5", data: band.p5, borderWidth: 0, pointRadius: 0, fill: false, backgroundColor: color + "33" },
    { label: label + " p95", data: band.p95, borderWidth: 0, pointRadius: 0, fill: "-1", backgroundColor: color + "33" },
    { label, data: band.mean, borderColor: color, backgroundColor: color, borderWidth: 2, pointRadius: 0, fill: false },
  ];
}

function chart(id, type, data, extra = {}) {
  const options = Object.assign({
    animation: false, responsive: true, maintainAspectRatio: false,
    plugins: { legend: { labels: { boxWidth: 12, filter: (item) => !/ p(5|95)$/.test(item.text) } } },
    scales: { y: { ticks: { maxTicksLimit: 6 } } },
  }, extra);
  if (charts[id]) {
    charts[id].data = data;
    charts[id].options = options;
    charts[id].update("none");
  } else {
    charts[id] = new Chart($(id), { type, data, options });
  }
}

function draw(a) {
  headline("co2-avoided", indicator(a, "co2_avoided"), tonnes);
  headline("cost-per-t", indicator(a, "cost_per_tco2_total"), (v) => plain(v, " MAD/t"));
  headline("investment", indicator(a, "investment_mobilised"), money);
  const direct = indicator(a, "jobs_direct_added"), indirect = indicator(a, "jobs_indirect_added");
  headline("jobs", direct, (v) => plain(v, ""));
  if (direct) $("jobs").textContent += " job-years direct";
  if (indirect) $("jobs-band").textContent += `; and ${plain(indirect.mean, "")} indirect`;
  headline("saved", indicator(a, "energy_cost_saved"), money);

  const years = a.years;
  chart("chart-co2", "line", { labels: years, datasets: [
    ...bandSets("baseline", a.series.co2_baseline, "#7f7f7f"), ...bandSets("programme", a.series.co2_programme, "#2ca02c")] });
  chart("chart-avoided", "line", { labels: years, datasets: bandSets("CO2 avoided", a.series.co2_avoided, "#1f77b4") });
  chart("chart-adoption", "bar", {
    labels: a.sectors,
    datasets: a.technologies.map((t, k) => ({ label: t, data: a.adoption_added[k], backgroundColor: palette[k % palette.length] })),
  }, { scales: { x: { stacked: true, ticks: { autoSkip: false, maxRotation: 60, font: { size: 9 } } }, y: { stacked: true } } });
  const sizes = a.size_classes;
  const cost = sizes.map((z) => indicator(a, "production_cost_pct_" + z));
  chart("chart-cost", "bar", { labels: sizes, datasets: [
    { label: "90% interval", data: cost.map((c) => (c ? [c.p5, c.p95] : null)), backgroundColor: "#9467bd55" },
    { label: "mean", type: "line", data: cost.map((c) => (c ? c.mean : null)), borderColor: "#9467bd",
      backgroundColor: "#9467bd", showLine: false, pointRadius: 5 }] });
  chart("chart-investment", "line", { labels: years, datasets: [
    ...bandSets("investment mobilised", a.series.investment_mobilised, "#ff7f0e"),
    ...bandSets("grants and fund", a.series.grant_spent, "#8c564b")] });
  chart("chart-jobs", "line", { labels: years, datasets: [
    ...bandSets("jobs, direct + indirect", a.series.jobs_total_added, "#d62728"),
    ...bandSets("jobs, direct", a.series.jobs_direct_added, "#e377c2")] });

  const base = `api/download/${a.id}/`;
  const links = { "dl-programme": "programme.yaml", "dl-baseline": "baseline.yaml", "dl-batch-yaml": "batch.yaml",
                  "dl-set": "set-lines.txt", "dl-h5": "batch.h5", "dl-csv": "summary.csv", "dl-report": "report.html" };
  for (const [id, kind] of Object.entries(links)) $(id).href = withToken(base + kind);
  $("set-lines").textContent = a.set_lines;
}

// ---------- start ----------
async function loadScenario() {
  setState("loading", "loading the scenario…");
  const { status, body } = await api(withToken("api/scenario?file=" + encodeURIComponent($("scenario").value)));
  if (status !== 200) {
    setState("error", body.error);
    return;
  }
  described = body;
  drawControls(body);
  compute();
}

async function start() {
  const { status, body } = await api(withToken("api/scenarios"));
  if (status !== 200) { setState("error", body.error); return; }
  const select = $("scenario");
  for (const s of body.scenarios) {
    const o = document.createElement("option");
    o.value = s.file;
    o.textContent = s.file + (s.error ? " (invalid)" : ` (${grouped.format(s.firms)} firms)`);
    select.appendChild(o);
  }
  const wanted = new URLSearchParams(location.search).get("scenario");
  const preferred = body.scenarios.find((s) => s.file === wanted) ||
                    body.scenarios.find((s) => !s.error && s.firms <= 100000 && /cop22|programme/.test(s.file)) ||
                    body.scenarios.find((s) => !s.error);
  if (preferred) select.value = preferred.file;
  select.addEventListener("change", loadScenario);
  $("replicates").addEventListener("input", schedule);
  $("seed").addEventListener("input", schedule);
  loadScenario();
}

start();
