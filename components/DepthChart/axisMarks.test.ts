import { expect, it } from 'vitest';

import { labelDecimals, niceMarks } from './axisMarks';

it('steps are 1, 2 or 5 × 10ⁿ and every value lies within the range', () => {
  const { values, step } = niceMarks(99.37, 100.81, 4);
  expect(step).toBe(0.5);
  expect(values).toEqual([99.5, 100, 100.5]);
  for (const v of niceMarks(0, 1234.5, 5).values) expect(v).toBeGreaterThanOrEqual(0);
  expect(niceMarks(0, 1234.5, 5).values.at(-1)).toBeLessThanOrEqual(1234.5);
});

it('price marks are whole multiples of the tick size, printed exactly', () => {
  const { values, step } = niceMarks(0.35, 0.3531, 4, 0.00001);
  expect(step).toBeCloseTo(0.001, 12);
  for (const v of values) expect(Math.abs(v / 0.00001 - Math.round(v / 0.00001))).toBeLessThan(1e-6);
  expect(values.map(String)).toEqual(['0.35', '0.351', '0.352', '0.353']);
  // A range narrower than a few ticks still steps by whole ticks.
  expect(niceMarks(56119, 56119.3, 6, 0.1).step).toBe(0.1);
});

it('labels never show more decimals than the instrument has', () => {
  expect(labelDecimals(0.5, 1)).toBe(1);
  expect(labelDecimals(0.001, 8)).toBe(3);
  expect(labelDecimals(0.001, 0)).toBe(0);
});

it('an empty or inverted range has no marks', () => {
  expect(niceMarks(5, 5, 4).values).toEqual([]);
  expect(niceMarks(6, 5, 4).values).toEqual([]);
});
