// signpt sign search page: results of /api/search with each clip's pose drawn on a canvas and animated.
"use strict";
const COLOURS = { body: "#4a5568", left_hand: "#d9480f", right_hand: "#1971c2", face_contour: "#868e96", nose: "#868e96", mouth: "#c2255c" };
let layout = null;
const players = [];
const $ = (id) => document.getElementById(id);

function setStatus(text, error) {
  const s = $("status");
  s.textContent = text;
  s.className = error ? "error" : "";
}

async function getJSON(url, options) {
  const r = await fetch(url, options);
  let body = null;
  try { body = await r.json(); } catch (e) { body = null; }
  if (!r.ok) throw new Error((body && body.detail) ? (typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail)) : r.statusText);
  return body;
}

function pointColour(i) {
  for (const part of ["left_hand", "right_hand", "mouth", "nose", "face_contour", "body"]) {
    if (layout.parts[part] && layout.parts[part].includes(i)) return COLOURS[part];
  }
  return "#333";
}

function drawFrame(player) {
  const { canvas, pose } = player;
  const ctx = canvas.getContext("2d");
  const n = layout.points, size = canvas.width, pad = 6, s = (size - 2 * pad) / layout.scale;
  const f = player.frame % pose.frames, base = f * n * 2, p = pose.points;
  ctx.clearRect(0, 0, size, size);
  const ok = (i) => p[base + 2 * i] !== layout.missing && p[base + 2 * i + 1] !== layout.missing;
  const x = (i) => pad + p[base + 2 * i] * s, y = (i) => pad + p[base + 2 * i + 1] * s;
  ctx.lineWidth = 1.5;
  for (const [a, b] of layout.edges) {
    if (!ok(a) || !ok(b)) continue;
    ctx.strokeStyle = pointColour(a);
    ctx.beginPath(); ctx.moveTo(x(a), y(a)); ctx.lineTo(x(b), y(b)); ctx.stroke();
  }
  for (let i = 0; i < n; i++) {
    if (!ok(i)) continue;
    ctx.fillStyle = pointColour(i);
    ctx.beginPath(); ctx.arc(x(i), y(i), 1.8, 0, 2 * Math.PI); ctx.fill();
  }
  canvas.dataset.frame = String(f);
  canvas.dataset.drawn = String(Number(canvas.dataset.drawn || 0) + 1);
}

function animate(now) {
  for (const pl of players) {
    const f = Math.floor(((now - pl.start) / 1000) * pl.pose.fps) % pl.pose.frames;
    if (f !== pl.frame) { pl.frame = f; drawFrame(pl); }
  }
  requestAnimationFrame(animate);
}

function resultCard(r) {
  const li = document.createElement("li");
  li.className = "result";
  li.dataset.id = r.id;
  const canvas = document.createElement("canvas");
  canvas.width = 240; canvas.height = 240;
  canvas.className = "pose";
  const text = document.createElement("div");
  text.className = "text";
  text.textContent = r.text || "(no text)";
  const meta = document.createElement("div");
  meta.className = "meta";
  const score = document.createElement("span");
  score.className = "score";
  score.textContent = `#${r.rank}  ${r.score.toFixed(4)}`;
  meta.append(score, ` · ${r.source || ""}${r.signer ? " · " + r.signer : ""}${r.gloss ? " · " + r.gloss : ""} · ${r.id}`);
  const similar = document.createElement("button");
  similar.className = "similar";
  similar.type = "button";
  similar.textContent = "similar clips";
  similar.addEventListener("click", () => run(`/api/search?id=${encodeURIComponent(r.id)}&k=${$("k").value}`, `clips like ${r.id}`));
  li.append(canvas, text, meta, similar);
  getJSON(r.pose).then((pose) => {
    const pl = { canvas, pose, frame: -1, start: performance.now() };
    players.push(pl);
    pl.frame = 0; drawFrame(pl);
  }).catch((e) => { canvas.dataset.error = e.message; });
  return li;
}

function show(data, label) {
  players.length = 0;
  const list = $("results");
  list.replaceChildren(...data.results.map(resultCard));
  setStatus(`${data.results.length} results for ${label}`);
}

async function run(url, label, options) {
  setStatus("searching…");
  try {
    show(await getJSON(url, options), label);
  } catch (e) {
    $("results").replaceChildren();
    setStatus(e.message, true);
  }
}

async function main() {
  layout = await getJSON("/api/layout");
  const info = await getJSON("/api/info");
  $("info").textContent = `${info.clips} clips · ${info.corpus || ""}${info.split ? " (" + info.split + ")" : ""}`;
  $("search-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const q = $("q").value.trim();
    if (!q) { setStatus("type a sentence to search for", true); return; }
    run(`/api/search?q=${encodeURIComponent(q)}&k=${$("k").value}`, `“${q}”`);
  });
  $("file").addEventListener("change", () => {
    const f = $("file").files[0];
    if (!f) return;
    const form = new FormData();
    form.append("file", f, f.name);
    run(`/api/search?k=${$("k").value}`, `clips like ${f.name}`, { method: "POST", body: form });
  });
  requestAnimationFrame(animate);
  document.body.dataset.ready = "1";
}

main().catch((e) => setStatus(e.message, true));
