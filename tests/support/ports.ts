/** Ports on 127.0.0.1 for processes a test (or a benchmark) starts itself. */
import net from 'node:net';

/** A port nothing listens on right now (the OS picks it). */
export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as net.AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

/** Whether something accepts connections on 127.0.0.1:`port`. */
export function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => (s.destroy(), resolve(true)));
    s.on('error', () => resolve(false));
  });
}

/** Wait until something listens on `port`, or throw after `withinMs`. */
export async function waitForPort(port: number, withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!(await listening(port))) {
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${withinMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
