/**
 * The heatmap's colours from the theme: five colour stops (`--tf-heat-0` … `--tf-heat-4`, low to
 * high) spread over the engine's 256-entry palette, and the hatching of resyncing and stale time
 * (`--tf-heat-hatch`). Read from computed style, so any ancestor can re-theme it.
 */
import { PALETTE_BYTES, PALETTE_LEN } from '../engine/engineMemory.js';

export type Rgba = [number, number, number, number];

/** The stops a theme sets, low to high, and the hatching's variable. */
export const HEAT_STOPS = ['--tf-heat-0', '--tf-heat-1', '--tf-heat-2', '--tf-heat-3', '--tf-heat-4'] as const;
export const HEAT_HATCH = '--tf-heat-hatch';

/** The default (dark) map: deep blue → teal → green → yellow → white, and a grey hatch. */
export const DEFAULT_STOPS: Rgba[] = [
  [12, 22, 60, 255],
  [0, 110, 150, 255],
  [40, 180, 110, 255],
  [240, 210, 40, 255],
  [255, 255, 255, 255],
];
export const DEFAULT_HATCH: Rgba = [150, 150, 160, 170];

/** `#rgb`, `#rrggbb`, `#rrggbbaa`, `rgb(r, g, b)` or `rgba(r, g, b, a)`; null for anything else. */
export function parseColour(css: string): Rgba | null {
  const s = css.trim().toLowerCase();
  let m = s.match(/^#([0-9a-f]{3})$/);
  if (m) return [...m[1]].map((c) => parseInt(c + c, 16)).concat(255) as Rgba;
  m = s.match(/^#([0-9a-f]{6})([0-9a-f]{2})?$/);
  if (m) {
    const hex = m[1] + (m[2] ?? 'ff');
    return [0, 2, 4, 6].map((i) => parseInt(hex.slice(i, i + 2), 16)) as Rgba;
  }
  m = s.match(/^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)(?:[\s,/]+([\d.]+%?))?\s*\)$/);
  if (m) {
    const a = m[4] === undefined ? 1 : m[4].endsWith('%') ? parseFloat(m[4]) / 100 : parseFloat(m[4]);
    const c = (v: string) => Math.max(0, Math.min(255, Math.round(parseFloat(v))));
    return [c(m[1]), c(m[2]), c(m[3]), Math.max(0, Math.min(255, Math.round(a * 255)))];
  }
  return null;
}

/** The engine's palette: `PALETTE_LEN` entries interpolated through `stops`, then the hatch. */
export function buildPalette(stops: readonly Rgba[], hatch: Rgba): Uint8Array {
  const out = new Uint8Array(PALETTE_BYTES);
  const n = stops.length;
  for (let i = 0; i < PALETTE_LEN; i++) {
    const t = (i / (PALETTE_LEN - 1)) * (n - 1);
    const k = Math.min(n - 2, Math.floor(t));
    const f = t - k;
    for (let c = 0; c < 4; c++) out[i * 4 + c] = Math.round(stops[k][c] + (stops[k + 1][c] - stops[k][c]) * f);
  }
  out.set(hatch, PALETTE_LEN * 4);
  return out;
}

/** The palette `el`'s theme sets (defaults where a variable is missing or unreadable). */
export function themePalette(el: Element): Uint8Array {
  const style = getComputedStyle(el);
  const read = (name: string) => parseColour(style.getPropertyValue(name));
  const stops = HEAT_STOPS.map((v, i) => read(v) ?? DEFAULT_STOPS[i]);
  return buildPalette(stops, read(HEAT_HATCH) ?? DEFAULT_HATCH);
}
