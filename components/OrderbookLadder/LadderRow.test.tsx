/** A memoised row re-renders only when what it draws changes, not for every new picture. */
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, expect, it, vi } from 'vitest';

import { LadderRow, type LadderRowProps } from './LadderRow';
import type { LadderRowModel } from './ladderModel';

afterEach(cleanup);

const row = (over: Partial<LadderRowModel> = {}): LadderRowModel => ({
  key: 'bid10',
  side: 'bid',
  price: 10,
  size: 1,
  cumulative: 1,
  change: 'same',
  listIndex: 3,
  top: 60,
  bar: 50,
  touch: true,
  traded: 0,
  lastTrade: null,
  ...over,
});

it('an equal row from a new picture is not re-rendered; a changed size is', () => {
  const register = vi.fn();
  const props: LadderRowProps = {
    index: 2,
    row: row(),
    priceText: '10.00',
    sizeText: '1.000',
    cumulativeText: '1.000',
    flash: true,
    stale: false,
    tabIndex: 0,
    register,
    onActivate: vi.fn(),
    onKey: vi.fn(),
  };
  const { rerender } = render(<LadderRow {...props} />);
  expect(register).toHaveBeenCalledTimes(1); // the ref, on mount
  rerender(<LadderRow {...props} row={row()} />); // a new object, the same level
  expect(register).toHaveBeenCalledTimes(1);
  rerender(<LadderRow {...props} row={row({ size: 2, cumulative: 2, change: 'up', bar: 100 })} sizeText="2.000" cumulativeText="2.000" />);
  expect(register.mock.calls.length).toBeGreaterThan(1); // re-rendered: its ref callback ran again
  const el = screen.getByTestId('best-bid');
  expect(el.getAttribute('data-change')).toBe('up');
  expect(el.style.getPropertyValue('--tf-bar')).toBe('100.00%');
  expect(el.getAttribute('aria-rowindex')).toBe('5');
  fireEvent.click(el);
  expect(props.onActivate).toHaveBeenCalledWith(2);
  fireEvent.keyDown(el, { key: 'Enter' });
  expect(props.onKey).toHaveBeenCalledWith(expect.anything(), 2);
});
