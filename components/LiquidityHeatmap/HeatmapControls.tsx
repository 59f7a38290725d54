'use client';

export interface HeatmapControlsProps {
  following: boolean;
  onFollow(follow: boolean): void;
  onZoomPrice(dir: 1 | -1): void;
  onZoomTime(dir: 1 | -1): void;
}

/** Follow / pause and the two zooms, as buttons (the keyboard has the same on the picture). */
export function HeatmapControls({ following, onFollow, onZoomPrice, onZoomTime }: HeatmapControlsProps) {
  return (
    <div className="tf-heatmap__controls" role="toolbar" aria-label="Heatmap controls">
      <button type="button" aria-pressed={following} onClick={() => onFollow(!following)} title="Follow the market (F)">
        {following ? 'Following' : 'Paused'}
      </button>
      <span className="tf-heatmap__zoom">
        <button type="button" onClick={() => onZoomPrice(-1)} title="Zoom out in price (−)">
          Price −
        </button>
        <button type="button" onClick={() => onZoomPrice(1)} title="Zoom in in price (+)">
          Price +
        </button>
      </span>
      <span className="tf-heatmap__zoom">
        <button type="button" onClick={() => onZoomTime(-1)} title="Narrower columns: more time ([)">
          Time −
        </button>
        <button type="button" onClick={() => onZoomTime(1)} title="Wider columns: less time (])">
          Time +
        </button>
      </span>
    </div>
  );
}
