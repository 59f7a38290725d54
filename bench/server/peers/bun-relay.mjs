/**
 * A Bun relay on `Bun.serve` publish/subscribe (uWebSockets underneath), written the way Bun's docs
 * show broadcast: clients subscribe to one topic, each upstream frame is published to it once. A
 * late joiner gets the newest frame first. Prints its address.
 *   bun bun-relay.mjs ws://127.0.0.1:PORT/ws
 */
/* global Bun -- this file runs under Bun */
const upstream = process.argv[2];
let last = null;

const server = Bun.serve({
  hostname: '127.0.0.1',
  port: 0,
  fetch(req, srv) {
    if (srv.upgrade(req)) return undefined;
    return new Response('websocket only', { status: 400 });
  },
  websocket: {
    perMessageDeflate: false,
    open(ws) {
      ws.subscribe('book');
      if (last) ws.sendBinary(last);
    },
    message() {},
  },
});
console.log(`relay listening on ws://127.0.0.1:${server.port}/ws`);

const up = new WebSocket(upstream);
up.binaryType = 'arraybuffer';
up.onmessage = (e) => {
  if (typeof e.data === 'string') return;
  last = new Uint8Array(e.data);
  server.publish('book', last);
};
up.onclose = () => process.exit(1);
process.on('SIGINT', () => process.exit(0));
