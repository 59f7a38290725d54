/** Reading a LiquidityHeatmap's canvas in a story's play function (Chromium). */

/** The picture's pixel at (x, y), as RGBA. */
export function pixel(root: HTMLElement, x: number, y: number): number[] {
  const canvas = root.querySelector<HTMLCanvasElement>('.tf-heatmap__pixels')!;
  return [...canvas.getContext('2d')!.getImageData(x, y, 1, 1).data];
}

/** Pixels of the picture that are painted (not a gap, not the empty background). */
export function paintedPixels(root: HTMLElement): number {
  const canvas = root.querySelector<HTMLCanvasElement>('.tf-heatmap__pixels')!;
  const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
  let n = 0;
  for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
  return n;
}

/** The number of columns the accessible summary says the picture holds. */
export function columnsShown(root: HTMLElement): number {
  const label = root.querySelector('.tf-heatmap__pixels')?.getAttribute('aria-label') ?? '';
  return Number(label.match(/in (\d+) columns/)?.[1] ?? 0);
}

/** The colour of a theme variable as RGBA bytes (through a 1×1 canvas: whatever CSS colour syntax it uses). */
export function themeRgba(root: HTMLElement, variable: string): number[] {
  const css = getComputedStyle(root.querySelector('.tf-heatmap')!).getPropertyValue(variable).trim();
  const c = document.createElement('canvas').getContext('2d')!;
  c.fillStyle = css;
  c.fillRect(0, 0, 1, 1);
  return [...c.getImageData(0, 0, 1, 1).data];
}

/** Two colours within `tol` per channel. */
export const near = (a: number[], b: number[], tol = 6) => a.every((v, i) => Math.abs(v - b[i]) <= tol);
