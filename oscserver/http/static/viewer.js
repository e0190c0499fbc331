// oscserver viewer: WebRTC video from the server, controls over a data channel.
// Controls take the same path as OSC on the server (same validation, same counters).
"use strict";

const $ = (id) => document.getElementById(id);
const token = new URLSearchParams(location.hash.slice(1)).get("token") || undefined;
const state = { pc: null, channel: null, nextId: 1, frames: 0, classes: [], blend: new Map() };
window.oscserver = state; // for tests and the curious

function send(address, args) {
  const channel = state.channel;
  if (!channel || channel.readyState !== "open") return false;
  channel.send(JSON.stringify({ type: "control", id: state.nextId++, address, args, token }));
  return true;
}

function showMessage(text) {
  $("message").textContent = text || "";
}

async function connect() {
  $("state").textContent = "connecting";
  const pc = new RTCPeerConnection({ iceServers: [] });
  state.pc = pc;
  pc.addTransceiver("video", { direction: "recvonly" });
  const channel = pc.createDataChannel("control");
  state.channel = channel;
  channel.onmessage = (event) => onReply(JSON.parse(event.data));
  channel.onopen = () => ping();
  pc.ontrack = (event) => { $("video").srcObject = event.streams[0] || new MediaStream([event.track]); };
  pc.onconnectionstatechange = () => {
    $("state").textContent = pc.connectionState;
    if (pc.connectionState === "failed" || pc.connectionState === "closed") {
      pc.close();
      setTimeout(connect, 2000);
    }
  };
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise((resolve) => {
    if (pc.iceGatheringState === "complete") return resolve();
    pc.addEventListener("icegatheringstatechange", () => {
      if (pc.iceGatheringState === "complete") resolve();
    });
  });
  const response = await fetch("/offer", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ sdp: pc.localDescription.sdp, type: pc.localDescription.type, token }),
  });
  const answer = await response.json();
  if (!response.ok) {
    $("state").textContent = "refused";
    showMessage(answer.error);
    return;
  }
  await pc.setRemoteDescription({ sdp: answer.sdp, type: answer.type });
}

function onReply(reply) {
  if (reply.type === "pong") {
    $("rtt").textContent = `rtt ${(performance.now() - reply.t).toFixed(1)} ms`;
  } else if (reply.type === "result") {
    showMessage(reply.ok ? "" : `${reply.reason}: ${reply.error}`);
  }
}

function ping() {
  if (state.channel && state.channel.readyState === "open") {
    state.channel.send(JSON.stringify({ type: "ping", t: performance.now() }));
  }
}

// Received frame rate and resolution, counted from the frames the video element presents.
function countFrames() {
  const video = $("video");
  if ("requestVideoFrameCallback" in video) {
    const tick = () => { state.frames++; video.requestVideoFrameCallback(tick); };
    video.requestVideoFrameCallback(tick);
  }
  let last = state.frames;
  setInterval(() => {
    $("fps").textContent = `${state.frames - last} fps`;
    last = state.frames;
    $("resolution").textContent = video.videoWidth ? `${video.videoWidth}×${video.videoHeight}` : "–";
    ping();
  }, 1000);
}

// -- controls ------------------------------------------------------------------------------

function sendBlend() {
  const weights = new Array(1000).fill(0);
  for (const [index, weight] of state.blend) weights[index] = weight;
  send("/class", weights);
}

function renderBlend() {
  const list = $("class-blend");
  list.replaceChildren();
  for (const [index, weight] of state.blend) {
    const item = document.createElement("li");
    const name = document.createElement("span");
    name.textContent = state.classes[index] ? state.classes[index].label : `class ${index}`;
    const slider = Object.assign(document.createElement("input"),
      { type: "range", min: 0, max: 1, step: 0.01, value: weight });
    slider.oninput = () => { state.blend.set(index, Number(slider.value)); sendBlend(); };
    const remove = Object.assign(document.createElement("button"), { type: "button", textContent: "×" });
    remove.onclick = () => { state.blend.delete(index); renderBlend(); sendBlend(); };
    item.append(name, slider, remove);
    list.append(item);
  }
}

function search(text) {
  const query = text.trim().toLowerCase();
  const results = $("class-results");
  results.replaceChildren();
  if (!query) return;
  const matches = state.classes.filter((c) => c.names.some((n) => n.toLowerCase().includes(query)));
  for (const c of matches.slice(0, 12)) {
    const item = document.createElement("li");
    item.textContent = `${c.label} (${c.index})`;
    item.onclick = () => {
      state.blend.set(c.index, 1);
      $("class-search").value = "";
      results.replaceChildren();
      renderBlend();
      sendBlend();
    };
    results.append(item);
  }
}

function bindControls() {
  const truncation = $("truncation");
  const smooth = $("smooth");
  const show = () => {
    $("truncation-value").textContent = Number(truncation.value).toFixed(2);
    $("smooth-value").textContent = Number(smooth.value).toFixed(2);
  };
  truncation.oninput = () => { show(); send("/truncation", [Number(truncation.value)]); };
  smooth.oninput = () => { show(); send("/smooth", [Number(smooth.value)]); };
  $("reseed").onclick = () => {
    const seed = Math.floor(Math.random() * 2147483647);
    $("seed").value = seed;
    send("/noise/seed", [seed]);
  };
  $("seed").onchange = () => send("/noise/seed", [Number($("seed").value)]);
  $("class-search").oninput = (event) => search(event.target.value);
  $("toggle").onclick = () => { $("controls").hidden = !$("controls").hidden; };
  document.addEventListener("keydown", (event) => {
    if (event.key === "h" && event.target.tagName !== "INPUT") $("controls").hidden = !$("controls").hidden;
  });
  show();
}

async function loadState() {
  state.classes = await (await fetch("/classes")).json();
  const addresses = await (await fetch("/osc")).json();
  const truncation = addresses.find((a) => a.address === "/truncation");
  if (truncation) {
    $("truncation").min = truncation.range[0];
    $("truncation").max = truncation.range[1];
    $("truncation").value = truncation.target;
  }
  const classes = addresses.find((a) => a.address === "/class");
  if (classes && Array.isArray(classes.target)) {
    classes.target.forEach((w, i) => { if (w > 0) state.blend.set(i, w); });
    renderBlend();
  }
}

bindControls();
countFrames();
loadState().catch((error) => showMessage(`could not load controls: ${error}`));
connect().catch((error) => { $("state").textContent = "error"; showMessage(String(error)); });
