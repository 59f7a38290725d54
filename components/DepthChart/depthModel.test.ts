/** DepthChart's model alone: no React, no engine — a hand-made picture in, coordinates out. */
import { describe, expect, it } from 'vitest';

import { handMadePicture as picture, levels as side } from '../../tests/support/handMadePicture';
import type { BookPicture } from '../store/bookPicture';
import { AXIS_BOTTOM, AXIS_LEFT, depthModel, labelAnchor, nearestPoint, stepPath, stepPoint, type DepthGeometry } from './depthModel';

const drawn = (book: BookPicture, width = 360, height = 180): DepthGeometry => {
  const model = depthModel(book, width, height);
  if (model.kind !== 'drawn') throw new Error(`not drawn: ${model.kind}`);
  return model;
};

describe('depthModel', () => {
  it('draws nothing without a two-sided book, and nothing for a crossed one', () => {
    expect(depthModel(null, 360, 180)).toEqual({ kind: 'waiting' });
    expect(depthModel(picture([[10, 1]], []), 360, 180)).toEqual({ kind: 'waiting' });
    expect(depthModel(picture([[10.05, 1]], [[10.01, 1]]), 360, 180)).toEqual({ kind: 'crossed' });
    expect(depthModel(picture([[10, 1]], [[10, 1]]), 360, 180)).toEqual({ kind: 'crossed' }); // locked is not drawable either
  });

  it('maps the far bid to the plot’s left edge, the far ask to its right, and the biggest cumulative to the top', () => {
    const m = drawn(
      picture(
        [
          [100, 1],
          [99, 2],
        ],
        [
          [101, 4],
          [102, 1],
        ],
      ),
      400,
      200,
    );
    expect(m.plot).toEqual({ left: AXIS_LEFT, right: 400, bottom: 200 - AXIS_BOTTOM });
    expect(m.x(99)).toBe(AXIS_LEFT);
    expect(m.x(102)).toBe(400);
    expect(m.y(0)).toBe(m.plot.bottom);
    // Asks sum to 5, bids to 3: one scale for both sides, the larger on top (4 px of headroom).
    expect(m.y(5)).toBe(4);
    expect(m.y(3)).toBeCloseTo(m.plot.bottom - (3 / 5) * (m.plot.bottom - 4));
  });

  it('puts the spread band between the touches and the mid inside it', () => {
    const m = drawn(
      picture(
        [[100, 1]],
        [
          [100.5, 1],
          [101, 1],
        ],
      ),
    );
    expect(m.spread.x).toBe(m.x(100));
    expect(m.spread.width).toBeCloseTo(m.x(100.5) - m.x(100));
    expect(m.midX).toBe(m.x(100.25));
    expect(m.midX).toBeGreaterThan(m.spread.x);
    expect(m.midX).toBeLessThan(m.spread.x + m.spread.width);
  });

  it('traces each side as a step curve from the touch outwards, closed to the axis for its area', () => {
    const x = (p: number) => p;
    const y = (c: number) => -c;
    expect(
      stepPath(
        side([
          [10, 1],
          [9, 2],
        ]),
        x,
        y,
      ),
    ).toBe('M10.0,0.0L10.0,0.0L10.0,-1.0L9.0,-1.0L9.0,-3.0');
    expect(stepPath([], x, y)).toBe('');
    const m = drawn(
      picture(
        [
          [100, 1],
          [99, 2],
        ],
        [[101, 4]],
      ),
    );
    expect(m.bidArea.startsWith(m.bidLine)).toBe(true);
    expect(m.bidArea.endsWith(`L${m.x(99)},${m.plot.bottom}Z`)).toBe(true);
    expect(m.askArea.endsWith(`L${m.x(101)},${m.plot.bottom}Z`)).toBe(true);
  });

  it('marks the price axis on whole ticks within the book, anchored to stay inside, and the size axis from 0', () => {
    const bids: [number, number][] = Array.from({ length: 20 }, (_, i) => [100 - i * 0.05, 1 + i]);
    const asks: [number, number][] = Array.from({ length: 20 }, (_, i) => [100.1 + i * 0.05, 2 + i]);
    const m = drawn(picture(bids, asks, 0.05));
    expect(m.priceMarks.marks.length).toBeGreaterThanOrEqual(2);
    for (const mark of m.priceMarks.marks) {
      expect(mark.value).toBeGreaterThanOrEqual(bids.at(-1)![0]);
      expect(mark.value).toBeLessThanOrEqual(asks.at(-1)![0]);
      expect(Math.abs(mark.value / 0.05 - Math.round(mark.value / 0.05))).toBeLessThan(1e-6);
      expect(mark.x).toBe(m.x(mark.value));
      expect(mark.anchor).toBe(labelAnchor(mark.x, m.plot.left, m.plot.right));
    }
    expect(m.sizeMarks.marks[0].value).toBe(0);
    for (const mark of m.sizeMarks.marks) {
      expect(mark.anchor).toBe('end');
      expect(mark.x).toBeLessThan(m.plot.left);
      expect(mark.y).toBeGreaterThanOrEqual(10); // a label at the top is not cut off
    }
  });

  it('anchors labels near an edge inwards', () => {
    expect(labelAnchor(50, 44, 360)).toBe('start');
    expect(labelAnchor(200, 44, 360)).toBe('middle');
    expect(labelAnchor(350, 44, 360)).toBe('end');
  });

  it('orders points by price, finds the nearest to a pointer, and steps from the middle with the keyboard', () => {
    const m = drawn(
      picture(
        [
          [10, 1],
          [9.99, 2],
        ],
        [
          [10.01, 3],
          [10.02, 4],
        ],
      ),
    );
    expect(m.points.map((p) => `${p.side} ${p.price} ${p.cumulative}`)).toEqual(['bid 9.99 3', 'bid 10 1', 'ask 10.01 3', 'ask 10.02 7']);
    expect(nearestPoint(m, m.x(10.01) + 1)).toBe(2);
    expect(nearestPoint(m, -1000)).toBe(0);
    expect(stepPoint(m, null, 'ArrowLeft')).toBe(1); // the best bid
    expect(stepPoint(m, null, 'ArrowRight')).toBe(2); // the best ask
    expect(stepPoint(m, 0, 'ArrowLeft')).toBe(0); // clamped at the ends
    expect(stepPoint(m, 3, 'ArrowRight')).toBe(3);
  });
});
