import { expect, it } from 'vitest';

import { ImbalanceWindows, imbalanceKey } from './imbalanceWindow';

it('one registry: a window is measured while anyone asks for it, each caller stops once', () => {
  const w = new ImbalanceWindows();
  const a = w.add({ levels: 5 });
  const b = w.add({ levels: 5 });
  const c = w.add({ bps: 25 });
  expect([...w].map(([k]) => k)).toEqual(['levels:5', 'bps:25']);
  a();
  a(); // a second call by the same caller does not stop the other's
  expect([...w].map(([k]) => k)).toEqual(['levels:5', 'bps:25']);
  b();
  c();
  expect([...w]).toEqual([]);
  expect(imbalanceKey({ levels: 5.7 })).toBe('levels:5');
});
