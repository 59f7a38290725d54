/** The replay clock alone, on a wall clock the test moves. */
import { describe, expect, it } from 'vitest';

import { clampSpeed, ReplayClock } from './replayClock';

function clock(speed: number | 'max' = 1) {
  const wall = { ms: 5_000 };
  return { wall, c: new ReplayClock(speed, () => wall.ms) };
}

describe('ReplayClock', () => {
  it('stands still until played, then runs at its speed from where it stood', () => {
    const { wall, c } = clock(2);
    c.setTo(1_000_000);
    wall.ms += 500;
    expect(c.now()).toBe(1_000_000); // not playing: still
    c.play();
    wall.ms += 500;
    expect(c.now()).toBe(1_001_000); // 500 wall ms at 2×
  });

  it('pause holds the time; paused wall time does not count when play resumes', () => {
    const { wall, c } = clock();
    c.setTo(100);
    c.play();
    wall.ms += 40;
    c.pause();
    expect(c.playing).toBe(false);
    wall.ms += 10_000;
    expect(c.now()).toBe(140);
    c.play();
    wall.ms += 10;
    expect(c.now()).toBe(150);
  });

  it('a speed change keeps the time so far at the old speed', () => {
    const { wall, c } = clock(1);
    c.setTo(0);
    c.play();
    wall.ms += 100;
    expect(c.setSpeed(4)).toBe(4);
    wall.ms += 100;
    expect(c.now()).toBe(100 + 400);
  });

  it('a delivered frame sets the time; the next is due after the recorded gap over the speed', () => {
    const { wall, c } = clock(4);
    c.play();
    c.setTo(1000);
    expect(c.delayUntil(1400)).toBe(100);
    wall.ms += 60;
    expect(c.delayUntil(1400)).toBe(40); // 60 wall ms at 4× are 240 recorded ms gone
    expect(c.delayUntil(900)).toBe(0); // already past
  });

  it("at 'max' there is no waiting and the time is the last frame's", () => {
    const { wall, c } = clock('max');
    c.play();
    c.setTo(7);
    wall.ms += 1000;
    expect(c.now()).toBe(7);
    expect(c.delayUntil(1e9)).toBe(0);
  });

  it('clamps speeds to 0.25–16', () => {
    expect(clampSpeed(100)).toBe(16);
    expect(clampSpeed(0)).toBe(0.25);
    expect(clampSpeed('max')).toBe('max');
    expect(new ReplayClock(0.1).speed).toBe(0.25);
  });
});
