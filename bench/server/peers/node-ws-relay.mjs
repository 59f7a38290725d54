/**
 * A Node `ws` relay, written the way the `ws` README shows broadcast: one upstream connection to a
 * tickframe-server, a WebSocketServer, and every upstream frame sent to every open client. A late
 * joiner gets the newest frame first (as tickframe-server's snapshot does). Prints its address.
 *   node node-ws-relay.mjs ws://127.0.0.1:PORT/ws
 */
import { WebSocket, WebSocketServer } from 'ws';

const upstream = process.argv[2];
let last = null;
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
wss.on('connection', (ws) => {
  if (last) ws.send(last, { binary: true });
});
wss.on('listening', () => console.log(`relay listening on ws://127.0.0.1:${wss.address().port}/ws`));

const up = new WebSocket(upstream, { perMessageDeflate: false });
up.on('message', (data, isBinary) => {
  if (!isBinary) return;
  last = data;
  for (const client of wss.clients) if (client.readyState === WebSocket.OPEN) client.send(data, { binary: true });
});
up.on('close', () => process.exit(1));
process.on('SIGINT', () => process.exit(0));
