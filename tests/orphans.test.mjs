// Runs last in `npm test` (node's test runner): no process started by the suite may outlive it.
// scripts/test.sh marks the run with TICKFRAME_TEST_RUN; every process the suite starts inherits it,
// including ones re-parented to init after their parent died, so /proc finds them all.
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import assert from 'node:assert/strict';

const marker = process.env.TICKFRAME_TEST_RUN;

/** This process and its ancestors (the test script itself carries the marker). */
function ancestors() {
  const pids = new Set();
  let pid = process.pid;
  while (pid > 1 && !pids.has(pid)) {
    pids.add(pid);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    pid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  }
  return pids;
}

function leftovers(mine) {
  const left = [];
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || mine.has(pid)) continue;
    try {
      const env = readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0');
      if (!env.includes(`TICKFRAME_TEST_RUN=${marker}`)) continue;
      left.push(`${pid}: ${readFileSync(`/proc/${pid}/cmdline`, 'latin1').replace(/\0/g, ' ').slice(0, 200)}`);
    } catch {
      /* exited meanwhile, or not ours to read */
    }
  }
  return left;
}

test('no process started by the test suite is still running', { skip: !marker && 'TICKFRAME_TEST_RUN not set (run through npm test)' }, async () => {
  const mine = ancestors();
  // A process stopped in teardown may still be exiting: allow it a few seconds, no more.
  let left = leftovers(mine);
  for (let i = 0; i < 20 && left.length > 0; i++) {
    await new Promise((r) => setTimeout(r, 250));
    left = leftovers(mine);
  }
  assert.deepEqual(left, [], `processes left by the suite:\n${left.join('\n')}`);
});
