import { within } from 'storybook/test';

/** The tape's print rows (its header aside), newest first. */
export function tapeRows(el: HTMLElement): HTMLElement[] {
  return within(within(el).getByRole('grid', { name: /^Trades/ })).queryAllByRole('row', { name: /(buy|sell) / });
}
