// OSC clients built on osc.js (npm "osc"), for the tests. Prints what comes back as JSON lines.
//
//   node osc_client.js udp PORT PACKETS_JSON [WAIT_MS]
//     Sends each packet (osc.js packet objects with typed args; a bundle's "timeTag" may be
//     {"fromNow": seconds}) from one UDP port to 127.0.0.1:PORT, then prints every message
//     that comes back to that port for WAIT_MS milliseconds.
//   node osc_client.js ws URL PATH COUNT
//     Connects to an OSCQuery WebSocket, sends LISTEN for PATH, prints COUNT OSC messages.
"use strict";

const osc = require("osc");

function plain(message) {
  return JSON.stringify({
    address: message.address,
    args: message.args.map((arg) => ({ type: arg.type, value: arg.value })),
  });
}

function prepare(packet) {
  if (packet.packets) {
    const fromNow = packet.timeTag && packet.timeTag.fromNow;
    return {
      timeTag: fromNow !== undefined ? osc.timeTag(fromNow) : packet.timeTag,
      packets: packet.packets.map(prepare),
    };
  }
  return packet;
}

function udp(port, packets, waitMs) {
  const socket = new osc.UDPPort({
    localAddress: "127.0.0.1",
    localPort: 0,
    remoteAddress: "127.0.0.1",
    remotePort: port,
    metadata: true,
  });
  socket.on("message", (message) => console.log(plain(message)));
  socket.on("error", (error) => console.error(String(error)));
  socket.on("ready", () => {
    for (const packet of packets) socket.send(prepare(packet));
    setTimeout(() => { socket.close(); process.exit(0); }, waitMs);
  });
  socket.open();
}

function ws(url, path, count) {
  const socket = new osc.WebSocketPort({ url, metadata: true });
  let seen = 0;
  socket.on("message", (message) => {
    console.log(plain(message));
    seen += 1;
    if (seen >= count) { socket.close(); process.exit(0); }
  });
  socket.on("error", (error) => console.error(String(error)));
  socket.on("ready", () => {
    socket.socket.send(JSON.stringify({ COMMAND: "LISTEN", DATA: path }));
    console.log(JSON.stringify({ listening: path }));
  });
  socket.open();
  setTimeout(() => { console.error("timed out"); process.exit(3); }, 10000);
}

const [mode, target, third, fourth] = process.argv.slice(2);
if (mode === "udp") udp(Number(target), JSON.parse(third), Number(fourth || 200));
else if (mode === "ws") ws(target, third, Number(fourth || 1));
else { console.error("usage: osc_client.js udp PORT PACKETS_JSON [WAIT_MS] | ws URL PATH COUNT"); process.exit(2); }
