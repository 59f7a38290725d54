/**
 * The heatmap's overlay, drawn over the blitted pixels: the best bid and ask lines, the prints as
 * circles (area by notional, colour by the taker's side) and the crosshair. It only draws the
 * coordinates the engine laid out.
 */
import { MARK, MARK_STRIDE, TOUCH_STRIDE } from '../engine/engineMemory.js';
import type { HeatPaint } from '../store/heatPicture.js';

export interface OverlayColours {
  bid: string;
  ask: string;
  buy: string;
  sell: string;
  crosshair: string;
  /** The axes' labels and their backing. */
  label: string;
  labelBg: string;
  font: string;
}

export interface OverlayOptions {
  showTouch: boolean;
  showTrades: boolean;
  /** The crosshair's point, or null. */
  crosshair: { x: number; y: number } | null;
  /** Axis labels: prices at rows (drawn at the right edge), times at columns (at the bottom). */
  axes: { prices: { y: number; text: string }[]; times: { x: number; text: string }[] } | null;
}

export function drawOverlay(ctx: CanvasRenderingContext2D, p: HeatPaint, width: number, height: number, c: OverlayColours, o: OverlayOptions) {
  ctx.clearRect(0, 0, width, height);
  if (o.showTouch) {
    for (const [slot, colour] of [
      [1, c.bid],
      [2, c.ask],
    ] as const) {
      ctx.beginPath();
      ctx.strokeStyle = colour;
      ctx.lineWidth = 1.5;
      let open = false;
      for (let i = 0; i + TOUCH_STRIDE <= p.touch.length; i += TOUCH_STRIDE) {
        const x = p.touch[i];
        const y = p.touch[i + slot];
        if (!Number.isFinite(y)) {
          open = false; // a gap in the line where the column has no touch
          continue;
        }
        if (open) ctx.lineTo(x, y);
        else ctx.moveTo(x, y);
        open = true;
      }
      ctx.stroke();
    }
  }
  if (o.showTrades) {
    for (let i = 0; i + MARK_STRIDE <= p.marks.length; i += MARK_STRIDE) {
      const sell = p.marks[i + MARK.SIDE] === 1;
      ctx.beginPath();
      ctx.arc(p.marks[i + MARK.X], p.marks[i + MARK.Y], p.marks[i + MARK.RADIUS], 0, Math.PI * 2);
      ctx.fillStyle = sell ? c.sell : c.buy;
      ctx.globalAlpha = 0.55;
      ctx.fill();
      ctx.globalAlpha = 1;
      ctx.strokeStyle = sell ? c.sell : c.buy;
      ctx.lineWidth = 1;
      ctx.stroke();
    }
  }
  if (o.axes) {
    ctx.font = c.font;
    ctx.textBaseline = 'middle';
    for (const p of o.axes.prices) {
      const w = ctx.measureText(p.text).width + 6;
      ctx.fillStyle = c.labelBg;
      ctx.fillRect(width - w, p.y - 7, w, 14);
      ctx.fillStyle = c.label;
      ctx.textAlign = 'right';
      ctx.fillText(p.text, width - 3, p.y);
    }
    ctx.textBaseline = 'bottom';
    ctx.textAlign = 'center';
    for (const t of o.axes.times) {
      const w = ctx.measureText(t.text).width + 6;
      ctx.fillStyle = c.labelBg;
      ctx.fillRect(t.x - w / 2, height - 14, w, 14);
      ctx.fillStyle = c.label;
      ctx.fillText(t.text, t.x, height - 2);
    }
    ctx.textAlign = 'start';
    ctx.textBaseline = 'alphabetic';
  }
  if (o.crosshair) {
    ctx.strokeStyle = c.crosshair;
    ctx.lineWidth = 1;
    ctx.setLineDash([3, 3]);
    ctx.beginPath();
    ctx.moveTo(Math.round(o.crosshair.x) + 0.5, 0);
    ctx.lineTo(Math.round(o.crosshair.x) + 0.5, height);
    ctx.moveTo(0, Math.round(o.crosshair.y) + 0.5);
    ctx.lineTo(width, Math.round(o.crosshair.y) + 0.5);
    ctx.stroke();
    ctx.setLineDash([]);
  }
}
