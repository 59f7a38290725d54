import { describe, expect, it } from 'vitest';

import { PALETTE_BYTES, PALETTE_LEN } from '../engine/engineMemory';
import { buildPalette, DEFAULT_HATCH, parseColour, themePalette } from './heatPalette';

describe('heatPalette', () => {
  it('reads the colours a theme sets', () => {
    expect(parseColour('#fff')).toEqual([255, 255, 255, 255]);
    expect(parseColour(' #0c163c ')).toEqual([12, 22, 60, 255]);
    expect(parseColour('#00000080')).toEqual([0, 0, 0, 128]);
    expect(parseColour('rgba(150, 150, 160, 0.67)')).toEqual([150, 150, 160, 171]);
    expect(parseColour('rgb(1 2 3 / 50%)')).toEqual([1, 2, 3, 128]);
    expect(parseColour('papayawhip')).toBeNull();
  });

  it('spreads the stops over the palette, ends exact, the hatch last', () => {
    const p = buildPalette(
      [
        [0, 0, 0, 255],
        [100, 0, 0, 255],
        [200, 0, 0, 255],
      ],
      [1, 2, 3, 4],
    );
    expect(p.length).toBe(PALETTE_BYTES);
    expect([...p.slice(0, 4)]).toEqual([0, 0, 0, 255]);
    expect([...p.slice((PALETTE_LEN - 1) * 4, PALETTE_LEN * 4)]).toEqual([200, 0, 0, 255]);
    expect(p[127 * 4]).toBeCloseTo(100 * (127 / 127.5), -1);
    expect([...p.slice(PALETTE_LEN * 4)]).toEqual([1, 2, 3, 4]);
  });

  it('takes the theme from CSS variables, defaults where one is missing', () => {
    const el = document.createElement('div');
    el.style.setProperty('--tf-heat-0', '#102030');
    el.style.setProperty('--tf-heat-4', '#ffffff');
    document.body.append(el);
    const p = themePalette(el);
    expect([...p.slice(0, 4)]).toEqual([16, 32, 48, 255]);
    expect([...p.slice((PALETTE_LEN - 1) * 4, PALETTE_LEN * 4)]).toEqual([255, 255, 255, 255]);
    expect([...p.slice(PALETTE_LEN * 4)]).toEqual(DEFAULT_HATCH);
    el.remove();
  });
});
