// The dashboard: one card per sensor, live from /api/stream, its history from the store, the
// camera's frame with its laser dot, and the gateway's figures. Plain script, no build step;
// charts are uPlot's. Every request goes with the browser's session cookie (see /login).
"use strict";

const LIVE_SECONDS = 300; // the live chart's window
const LIVE_STEP_MS = 500; // at most one live point per card and half second
const CHART_REDRAW_MS = 1000;
const TEXT_REDRAW_MS = 250;
const FRAME_PAUSE_MS = 500; // at most two frames a second, one per published reading, only while seen
const GONE_AFTER_MS = 15000; // a sensor missing this long is removed, not updating
const UPDATING_AT_LEAST_MS = 1000;
const HISTORY_POINTS = 400;
const ASK_AFTER_MS = 2000; // a sensor that published nothing this long is read (it reads on request)
const EVERY = [
  ["10s", 10], ["30s", 30], ["1m", 60], ["5m", 300], ["15m", 900], ["30m", 1800],
  ["1h", 3600], ["3h", 10800], ["6h", 21600], ["12h", 43200], ["1d", 86400], ["7d", 604800],
];
// What the live chart of each model shows; any other sensor: its first value.
const LIVE_VALUES = {
  tfluna: ["distance"],
  hcsr04: ["distance"],
  mpu6050: ["accel_x", "accel_y", "accel_z"],
  imx477: ["luminosity", "sharpness"],
};
const TRACE_VALUES = ["laser_x", "laser_y"];
const COLOURS = ["#1e88e5", "#e53935", "#43a047", "#fb8c00", "#8e24aa"];

const cards = new Map(); // sensor id -> card
const page = { generation: -1, stream: null, streamFailures: 0, rosterFailures: 0 };

// ---- requests ------------------------------------------------------------------------------

class LoggedOut extends Error {}

/** JSON from the gateway; a 401 sends the browser to the login page and back. */
async function getJson(path, options = {}) {
  const answer = await fetch(path, { credentials: "same-origin", headers: { Accept: "application/json" }, ...options });
  if (answer.status === 401) {
    location.assign("/login?next=" + encodeURIComponent(location.pathname + location.search));
    throw new LoggedOut();
  }
  const body = await answer.json().catch(() => ({}));
  if (!answer.ok) throw new Error(body.error || answer.status + " " + answer.statusText);
  return body;
}

function pause(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function backoff(failures) {
  return Math.min(10000, 500 * 2 ** Math.min(failures, 5)) * (0.75 + Math.random() * 0.5);
}

function setConnection(state, text) {
  const pill = document.getElementById("connection");
  pill.dataset.connection = state;
  pill.textContent = text;
}

function connectionChanged() {
  if (page.streamFailures === 0 && page.rosterFailures === 0) {
    setConnection("live", "live");
  } else {
    setConnection("reconnecting", "reconnecting… (the gateway is not answering; retrying by itself)");
  }
}

// ---- formatting ----------------------------------------------------------------------------

function format(value) {
  if (typeof value !== "number" || !isFinite(value)) return String(value);
  const size = Math.abs(value);
  if (size !== 0 && (size >= 1e6 || size < 1e-3)) return value.toExponential(3);
  return value.toFixed(size >= 100 ? 1 : size >= 1 ? 2 : 4).replace(/\.?0+$/, "") || "0";
}

function duration(ms) {
  const s = Math.floor(ms / 1000);
  if (s < 60) return s + " s";
  if (s < 3600) return Math.floor(s / 60) + " min " + (s % 60) + " s";
  if (s < 86400) return Math.floor(s / 3600) + " h " + Math.floor((s % 3600) / 60) + " min";
  return Math.floor(s / 86400) + " d " + Math.floor((s % 86400) / 3600) + " h";
}

function element(tag, text, attributes = {}) {
  const made = document.createElement(tag);
  if (text !== undefined) made.textContent = text;
  for (const [name, value] of Object.entries(attributes)) made.setAttribute(name, value);
  return made;
}

// ---- charts --------------------------------------------------------------------------------

function chartWidth(container) {
  return Math.max(200, Math.floor(container.getBoundingClientRect().width || container.parentElement.clientWidth - 4));
}

function lineChart(container, names, units, height = 150) {
  const series = [{}];
  names.forEach((name, i) => series.push({ label: name + (units[i] ? " (" + units[i] + ")" : ""),
    stroke: COLOURS[i % COLOURS.length], width: 1.5, points: { show: false } }));
  const axes = [{ stroke: "#8892a6", grid: { stroke: "rgba(128,128,128,0.15)" } },
    { stroke: "#8892a6", grid: { stroke: "rgba(128,128,128,0.15)" }, size: 55 }];
  const data = [[], ...names.map(() => [])];
  return new uPlot({ width: chartWidth(container), height, series, axes, cursor: { drag: { x: true, y: false } },
    legend: { live: true } }, data, container);
}

/** Live points: the last LIVE_SECONDS, one per LIVE_STEP_MS at most. */
class LiveSeries {
  constructor(names) {
    this.names = names;
    this.times = [];
    this.columns = names.map(() => []);
  }

  add(timeMs, values) {
    const last = this.times.length ? this.times[this.times.length - 1] : -Infinity;
    const time = timeMs / 1000;
    if ((time - last) * 1000 < LIVE_STEP_MS) {
      this.names.forEach((name, i) => { this.columns[i][this.columns[i].length - 1] = values[name]?.value ?? null; });
      return;
    }
    this.times.push(time);
    this.names.forEach((name, i) => this.columns[i].push(values[name]?.value ?? null));
    while (this.times.length && this.times[0] < time - LIVE_SECONDS) {
      this.times.shift();
      this.columns.forEach((column) => column.shift());
    }
  }

  data() {
    return [this.times.slice(), ...this.columns.map((column) => column.slice())];
  }
}

// ---- sensor cards --------------------------------------------------------------------------

function makeCard(sensor) {
  const node = document.getElementById("sensor-card").content.firstElementChild.cloneNode(true);
  node.dataset.sensor = sensor.id;
  node.dataset.phase = "live";
  node.querySelector(".id").textContent = sensor.id;
  node.querySelector(".model").textContent = sensor.model;
  document.getElementById("cards").append(node);
  const card = { id: sensor.id, model: sensor.model, node, valueNodes: new Map(), latest: null, charts: {},
    missingSince: null, updatingSince: null, textDirty: false, chartDirty: false, frame: null };
  node.querySelector(".history").addEventListener("toggle", () => {
    if (node.querySelector(".history").open) loadHistory(card);
  });
  node.querySelector(".history-value").addEventListener("change", () => loadHistory(card));
  node.querySelector(".history-range").addEventListener("change", () => {
    const custom = node.querySelector(".history-range").value === "custom";
    node.querySelector(".custom").hidden = !custom;
    if (!custom) loadHistory(card);
  });
  node.querySelector(".history-apply").addEventListener("click", () => loadHistory(card));
  if (sensor.kind === "camera") startFrames(card);
  cards.set(sensor.id, card);
  return card;
}

function describe(card, sensor) {
  const node = card.node;
  node.dataset.state = sensor.state;
  node.querySelector(".badge.simulated").hidden = !sensor.simulated;
  node.querySelector(".description").textContent = sensor.description;
  if (node.dataset.phase !== "updating") node.querySelector(".state").textContent = sensor.state;
}

function markUpdating(card) {
  card.updatingSince = Date.now();
  card.node.dataset.phase = "updating";
  card.node.querySelector(".state").textContent = "updating";
}

function removeCard(card) {
  if (card.frame) card.frame.stop();
  Object.values(card.charts).forEach((chart) => chart.destroy());
  card.node.remove();
  cards.delete(card.id);
}

function onReading(reading) {
  const card = cards.get(reading.sensor);
  if (!card) return;
  card.latest = reading;
  card.latestAt = Date.now();
  if (card.node.dataset.phase === "updating" && card.missingSince === null
      && Date.now() - card.updatingSince >= UPDATING_AT_LEAST_MS) {
    card.node.dataset.phase = "live";
    card.node.querySelector(".state").textContent = card.node.dataset.state || "ok";
  }
  const time = Date.parse(reading.timestamp);
  if (!card.live) {
    const numeric = Object.keys(reading.values);
    const wanted = (LIVE_VALUES[card.model] || []).filter((name) => name in reading.values);
    card.live = new LiveSeries(wanted.length ? wanted : numeric.slice(0, 1));
    if (card.model === "imx477") card.trace = new LiveSeries(TRACE_VALUES);
    fillValueChoices(card, numeric);
  }
  card.live.add(time, reading.values);
  if (card.trace && reading.values.laser_found?.value) card.trace.add(time, reading.values);
  card.textDirty = true;
  card.chartDirty = true;
}

function fillValueChoices(card, names) {
  const select = card.node.querySelector(".history-value");
  select.replaceChildren(...names.map((name) => element("option", name, { value: name })));
  const preferred = card.live.names[0];
  if (preferred) select.value = preferred;
}

function drawText(card) {
  const reading = card.latest;
  const list = card.node.querySelector(".values");
  for (const [name, value] of Object.entries(reading.values)) {
    let holder = card.valueNodes.get(name);
    if (!holder) {
      const row = element("div", undefined, { "data-value": name });
      const number = element("span", "", { class: "number" });
      const dd = element("dd");
      dd.append(number, " ", element("span", value.unit || "", { class: "unit" }));
      row.append(element("dt", name), dd);
      list.append(row);
      holder = number;
      card.valueNodes.set(name, holder);
    }
    holder.textContent = format(value.value);
  }
  card.node.dataset.quality = reading.quality;
  if (card.model === "imx477") drawDot(card, reading);
}

function drawDot(card, reading) {
  const values = reading.values;
  const figure = card.node.querySelector(".frame");
  const dot = figure.querySelector(".dot");
  const found = values.laser_found?.value === 1;
  figure.querySelector(".no-dot").hidden = found;
  dot.hidden = !found;
  if (found && values.frame_width?.value && values.frame_height?.value) {
    const x = (100 * values.laser_x.value) / values.frame_width.value;
    const y = (100 * values.laser_y.value) / values.frame_height.value;
    dot.style.left = x.toFixed(3) + "%";
    dot.style.top = y.toFixed(3) + "%";
    dot.dataset.x = values.laser_x.value;
    dot.dataset.y = values.laser_y.value;
  }
}

function drawCharts(card) {
  if (!card.live) return;
  const units = card.live.names.map((name) => card.latest?.values[name]?.unit || "");
  if (!card.charts.live) card.charts.live = lineChart(card.node.querySelector(".chart.live"), card.live.names, units);
  card.charts.live.setData(card.live.data());
  if (card.trace) {
    const container = card.node.querySelector(".chart.trace");
    container.hidden = false;
    if (!card.charts.trace) card.charts.trace = lineChart(container, ["laser_x", "laser_y"], ["px", "px"], 120);
    card.charts.trace.setData(card.trace.data());
  }
  card.node.querySelector(".chart.live").dataset.points = card.live.times.length;
}

function drawAges() {
  const now = Date.now();
  for (const card of cards.values()) {
    if (card.missingSince !== null && now - card.missingSince > GONE_AFTER_MS) {
      removeCard(card);
      continue;
    }
    const age = card.node.querySelector(".age");
    if (!card.latest) {
      age.textContent = "no reading yet";
    } else {
      const ms = Math.max(0, now - Date.parse(card.latest.timestamp));
      age.textContent = "reading #" + card.latest.sequence + ", " + (ms < 1000 ? ms + " ms" : duration(ms)) + " old"
        + (card.latest.quality === "ok" || card.latest.quality === "simulated" ? "" : " (" + card.latest.quality + ")");
    }
  }
}

/** Sensors that read only on request (an IMU without sampling) are read while the page is seen. */
async function askQuietSensors() {
  if (document.visibilityState !== "visible") return;
  const now = Date.now();
  await Promise.all([...cards.values()]
    .filter((card) => !card.asking && card.node.dataset.phase === "live" && now - (card.latestAt || 0) > ASK_AFTER_MS)
    .map(async (card) => {
      card.asking = true;
      try {
        onReading(await getJson("/dashboard/reading/" + encodeURIComponent(card.id)));
      } catch (failure) {
        card.latestAt = now; // not ready or failing: its state says why; ask again later
      } finally {
        card.asking = false;
      }
    }));
}

// ---- history -------------------------------------------------------------------------------

function historyWindow(card) {
  const range = card.node.querySelector(".history-range").value;
  if (range !== "custom") {
    const to = Date.now();
    return { from: to - Number(range) * 1000, to };
  }
  const from = Date.parse(card.node.querySelector(".history-from").value);
  const to = Date.parse(card.node.querySelector(".history-to").value);
  if (!isFinite(from) || !isFinite(to) || to <= from) throw new Error("choose a start before the end");
  return { from, to };
}

async function loadHistory(card) {
  const note = card.node.querySelector(".history-note");
  const container = card.node.querySelector(".history-chart");
  const value = card.node.querySelector(".history-value").value;
  try {
    if (!value) throw new Error("no reading yet to know the values");
    const { from, to } = historyWindow(card);
    const seconds = (to - from) / 1000;
    const [every] = EVERY.find(([, step]) => seconds / step <= HISTORY_POINTS) || EVERY[EVERY.length - 1];
    note.textContent = "loading…";
    const history = await getJson("/api/sensors/" + encodeURIComponent(card.id) + "/readings?from=" + Math.floor(from)
      + "&to=" + Math.ceil(to) + "&every=" + every);
    const times = [], min = [], avg = [], max = [];
    for (const bucket of history.buckets) {
      const figures = bucket.values[value];
      if (!figures) continue;
      times.push(Date.parse(bucket.start) / 1000);
      min.push(figures.min);
      avg.push(figures.avg);
      max.push(figures.max);
    }
    const unit = history.buckets.find((b) => b.values[value])?.values[value].unit || "";
    if (card.charts.history) card.charts.history.destroy();
    card.charts.history = new uPlot({
      width: chartWidth(container), height: 180,
      series: [{}, { label: "min", stroke: "rgba(30,136,229,0.5)", width: 1 },
        { label: value + " avg" + (unit ? " (" + unit + ")" : ""), stroke: COLOURS[0], width: 1.5 },
        { label: "max", stroke: "rgba(30,136,229,0.5)", width: 1 }],
      bands: [{ series: [3, 1], fill: "rgba(30,136,229,0.15)" }],
      axes: [{ stroke: "#8892a6" }, { stroke: "#8892a6", size: 55 }],
      cursor: { drag: { x: true, y: false } },
    }, [times, min, avg, max], container);
    container.dataset.points = times.length;
    note.textContent = times.length + " buckets of " + every + " (min, average, max); drag to zoom, double-click to reset";
  } catch (failure) {
    if (failure instanceof LoggedOut) return;
    container.dataset.points = 0;
    note.textContent = "no history: " + failure.message;
  }
}

// ---- camera --------------------------------------------------------------------------------

function startFrames(card) {
  const figure = card.node.querySelector(".frame");
  const image = figure.querySelector("img");
  figure.hidden = false;
  card.node.querySelector(".overlay-choice").hidden = false;
  let visible = true;
  let running = true;
  let url = null;
  const seen = new IntersectionObserver((entries) => { visible = entries.some((e) => e.isIntersecting); });
  seen.observe(figure);
  card.frame = { stop() { running = false; seen.disconnect(); if (url) URL.revokeObjectURL(url); } };
  (async () => {
    let failures = 0;
    let shown = null; // the reading whose frame is shown
    while (running) {
      // A frame is fetched when the camera published a new reading: every page then asks for the
      // same frame, whose overlay the camera draws once, instead of each drawing its own.
      if (!visible || document.visibilityState !== "visible" || card.node.dataset.phase === "updating"
          || !card.latest || card.latest.sequence === shown) {
        await pause(FRAME_PAUSE_MS);
        continue;
      }
      shown = card.latest.sequence;
      try {
        // The frame as captured, with the page's own ring where the reading puts the dot; the
        // gateway's overlay (decoded, drawn and encoded again per frame) only when asked for.
        const overlay = card.node.querySelector(".server-overlay").checked ? "?overlay=true" : "";
        const answer = await fetch("/api/sensors/" + encodeURIComponent(card.id) + "/frame.jpg" + overlay,
          { credentials: "same-origin", cache: "no-store" });
        if (!answer.ok) throw new Error(answer.status);
        const next = URL.createObjectURL(await answer.blob());
        await new Promise((resolve) => { image.onload = resolve; image.onerror = resolve; image.src = next; });
        if (url) URL.revokeObjectURL(url);
        url = next;
        image.dataset.frames = String(Number(image.dataset.frames || 0) + 1);
        failures = 0;
        await pause(FRAME_PAUSE_MS);
      } catch (failure) {
        failures++;
        await pause(backoff(failures));
      }
    }
  })();
}

// ---- the set of sensors --------------------------------------------------------------------

function applyRoster(roster) {
  const present = new Set(roster.sensors.map((sensor) => sensor.id));
  for (const change of roster.changes) {
    const card = cards.get(change.sensor);
    if (card && change.kind === "removed") markUpdating(card);
  }
  for (const sensor of roster.sensors) {
    const card = cards.get(sensor.id) || makeCard(sensor);
    card.missingSince = null;
    describe(card, sensor);
  }
  for (const card of cards.values()) {
    if (!present.has(card.id)) {
      if (card.missingSince === null) card.missingSince = Date.now();
      if (card.node.dataset.phase !== "updating") markUpdating(card);
    }
  }
  page.generation = roster.generation;
}

async function followRoster() {
  for (;;) {
    try {
      applyRoster(await getJson("/dashboard/sensors?since=" + page.generation));
      if (page.rosterFailures) {
        page.rosterFailures = 0;
        connectionChanged();
        if (!page.stream) openStream();
      }
    } catch (failure) {
      if (failure instanceof LoggedOut) return;
      page.rosterFailures++;
      connectionChanged();
      await pause(backoff(page.rosterFailures));
    }
  }
}

// ---- the live stream -----------------------------------------------------------------------

function openStream() {
  if (page.stream) page.stream.close();
  const stream = new EventSource("/api/stream");
  page.stream = stream;
  stream.addEventListener("open", () => {
    page.streamFailures = 0;
    connectionChanged();
  });
  stream.addEventListener("reading", (event) => {
    try {
      onReading(JSON.parse(event.data));
    } catch (bad) {
      console.warn("a reading that is not JSON", bad);
    }
  });
  stream.addEventListener("error", async () => {
    page.streamFailures++;
    connectionChanged();
    if (stream.readyState !== EventSource.CLOSED) return; // the browser retries by itself
    // Refused (a restart ended the session, a full gateway): ask again after a while.
    page.stream = null;
    await pause(backoff(page.streamFailures));
    try {
      if ((await getJson("/login/session")).via === "none") {
        location.assign("/login?next=" + encodeURIComponent(location.pathname + location.search));
        return;
      }
      if (!page.stream) openStream();
    } catch (failure) {
      if (!(failure instanceof LoggedOut) && !page.stream) setTimeout(openStream, backoff(page.streamFailures));
    }
  });
}

// ---- the gateway card ----------------------------------------------------------------------

function figure(list, name, value) {
  const row = element("div", undefined, { "data-figure": name });
  row.append(element("dt", name), element("dd", value));
  list.append(row);
}

async function followGateway() {
  for (;;) {
    try {
      const [health, gateway] = await Promise.all([getJson("/health"), getJson("/dashboard/gateway")]);
      const status = document.getElementById("gateway-status");
      status.textContent = health.status;
      status.dataset.state = health.status;
      const list = document.getElementById("gateway-figures");
      list.replaceChildren();
      figure(list, "uptime", duration(health.uptimeMs ?? gateway.uptimeMs));
      figure(list, "version", gateway.version);
      figure(list, "bundles", gateway.bundles.active + " active, " + gateway.bundles.resolved + " resolved"
        + (gateway.bundles.notResolved.length ? ", not resolved: " + gateway.bundles.notResolved.join(", ") : ""));
      const m = gateway.metrics;
      if (m.mqtt) {
        figure(list, "MQTT", m.mqtt.connected ? "connected" : "not connected");
        figure(list, "spool pending", format(m.mqtt.spoolPending ?? 0));
      } else {
        figure(list, "MQTT", "not configured");
      }
      if (m.store) {
        figure(list, "store backlog", format(m.store.backlog ?? 0));
        figure(list, "stored", format(m.store.written ?? 0));
      }
      if (m.backpressure) {
        figure(list, "requests in flight", format(m.backpressure.inFlight ?? 0) + " of " + format(m.backpressure.limit ?? 0));
      }
      const problems = document.getElementById("gateway-problems");
      problems.replaceChildren(...Object.entries(health.degraded || {}).map(([part, reason]) => element("li", part + ": " + reason)));
      const sensors = await getJson("/api/sensors");
      for (const sensor of sensors.sensors) { // states change without a sensor coming or going
        const card = cards.get(sensor.id);
        if (card && card.missingSince === null) describe(card, sensor);
      }
      const queued = sensors.sensors.map((s) => s.id + " " + s.executor.active + "/" + s.executor.queued);
      figure(list, "executors (active/queued)", queued.join(", "));
    } catch (failure) {
      if (failure instanceof LoggedOut) return;
      document.getElementById("gateway-status").textContent = "not answering";
      document.getElementById("gateway-status").dataset.state = "error";
    }
    await pause(5000);
  }
}

// ---- who is logged in ----------------------------------------------------------------------

async function showSession() {
  const session = await getJson("/login/session");
  if (session.via === "none") {
    location.assign("/login?next=" + encodeURIComponent(location.pathname + location.search));
    throw new LoggedOut();
  }
  document.getElementById("who").textContent = session.token ? session.token + " (" + session.scope + ")" : "anonymous";
  const logout = document.getElementById("logout");
  logout.hidden = session.via !== "session";
  logout.addEventListener("click", async () => {
    await fetch("/logout", { method: "POST", credentials: "same-origin", headers: { "X-CSRF-Token": session.csrf } });
    location.assign("/login?next=/");
  });
}

// ---- the loop that draws -------------------------------------------------------------------

function startDrawing() {
  setInterval(() => {
    for (const card of cards.values()) {
      if (card.textDirty && card.latest) {
        card.textDirty = false;
        drawText(card);
      }
    }
  }, TEXT_REDRAW_MS);
  setInterval(() => {
    if (document.visibilityState !== "visible") return;
    for (const card of cards.values()) {
      if (card.chartDirty) {
        card.chartDirty = false;
        drawCharts(card);
      }
    }
  }, CHART_REDRAW_MS);
  setInterval(drawAges, 1000);
  setInterval(askQuietSensors, 1000);
  window.addEventListener("resize", () => {
    for (const card of cards.values()) {
      for (const [name, chart] of Object.entries(card.charts)) {
        const container = card.node.querySelector(name === "history" ? ".history-chart" : ".chart." + name);
        chart.setSize({ width: chartWidth(container), height: chart.height });
      }
    }
  });
}

document.addEventListener("DOMContentLoaded", async () => {
  try {
    await showSession();
  } catch (failure) {
    if (failure instanceof LoggedOut) return;
    setConnection("reconnecting", "the gateway is not answering: " + failure.message);
  }
  startDrawing();
  openStream();
  followRoster();
  followGateway();
});
