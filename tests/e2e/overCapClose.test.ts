/**
 * A WHATWG WebSocket client (Node's own, as a browser's) that sends a message over the server's cap
 * gets the close code the server sent, 1009, every time — not 1006, which is what it reports when
 * the server drops the socket with the rest of the message unread and the kernel answers with a
 * reset. The server lingers after its close frame (SECURITY.md: "never a reset").
 */
import type { ChildProcess } from 'node:child_process';

import { afterAll, beforeAll, expect, it } from 'vitest';

import { startServer, stopGroup } from './harness';

let server: { addr: string; proc: ChildProcess } | undefined;
beforeAll(async () => {
  server = await startServer(['--tick-hz', '20']);
});
afterAll(async () => {
  await stopGroup(server?.proc);
});

/** Open, send `bytes` at once, and resolve with the close event's code and whether it was clean. */
function sendAndClose(url: string, bytes: number): Promise<{ code: number; wasClean: boolean }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.binaryType = 'arraybuffer';
    const timer = setTimeout(() => reject(new Error('no close within 15 s')), 15_000);
    ws.onopen = () => ws.send(new Uint8Array(bytes));
    ws.onclose = (e) => {
      clearTimeout(timer);
      resolve({ code: e.code, wasClean: e.wasClean });
    };
  });
}

it('a 1 MiB message over the cap is answered with 1009 ten times out of ten', async () => {
  const codes: number[] = [];
  for (let i = 0; i < 10; i++) {
    const { code, wasClean } = await sendAndClose(`ws://${server!.addr}/ws`, 1 << 20);
    codes.push(code);
    expect(wasClean, `try ${i + 1}`).toBe(true);
  }
  expect(codes).toEqual(Array(10).fill(1009));
});
