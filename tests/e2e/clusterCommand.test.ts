/** `npm run cluster` (scripts/cluster.sh): starts NATS, two ingest nodes and two edges, serves, stops on Ctrl-C. */
import { expect, it } from 'vitest';

import { freePort, listening } from '../support/ports';
import { spawnGroup, stopGroup } from '../support/processes';
import { root } from './harness';

const metric = async (port: number, name: string) => {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return Number(text.match(new RegExp(`^tickframe_${name} (\\d+)$`, 'm'))?.[1] ?? NaN);
};

it('npm run cluster starts every node, prints the URLs and stops everything on Ctrl-C', async () => {
  const [nats, ingestA, ingestB, edgeA, edgeB] = await Promise.all([1, 2, 3, 4, 5].map(freePort));
  const env = {
    ...process.env,
    CLUSTER_STORYBOOK: '0',
    TICKFRAME_NATS_PORT: String(nats),
    TICKFRAME_INGEST_A_PORT: String(ingestA),
    TICKFRAME_INGEST_B_PORT: String(ingestB),
    TICKFRAME_EDGE_A_PORT: String(edgeA),
    TICKFRAME_EDGE_B_PORT: String(edgeB),
  };
  const proc = spawnGroup('bash', ['scripts/cluster.sh'], { cwd: root, env, stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  try {
    const start = Date.now();
    while (!out.includes('Press Ctrl-C')) {
      if (proc.exitCode !== null || Date.now() - start > 220_000) throw new Error(`the cluster did not start: ${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    // The URLs name their market, so a failover between edges can never switch it.
    expect(out).toContain(`ws://127.0.0.1:${edgeA}/ws?symbol=SIM-USD`);
    expect(out).toContain(`ws://127.0.0.1:${edgeB}/ws?symbol=SIM-USD`);
    // Ready when it says so: the edges serve the simulator's book, the bus is up.
    for (const edge of [edgeA, edgeB]) {
      expect(await (await fetch(`http://127.0.0.1:${edge}/symbols`)).json()).toEqual(['SIM-USD']);
      expect((await fetch(`http://127.0.0.1:${edge}/healthz`)).status).toBe(200);
    }
    // One ingest node publishes, the other stands by.
    const held = [await metric(ingestA, 'lease_held'), await metric(ingestB, 'lease_held')];
    expect(held.sort()).toEqual([0, 1]);
  } finally {
    // Ctrl-C reaches the script's process group, as in a terminal.
    await stopGroup(proc, 'SIGINT', 15_000);
  }
  for (const port of [nats, ingestA, ingestB, edgeA, edgeB]) expect(await listening(port)).toBe(false);
}, 240_000); // the script builds the server first when it is not built yet
