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
      <span className="tf-heatmap__zoom" aria-label="Price zoom">
        <button type="button" onClick={() => onZoomPrice(-1)} aria-label="Zoom out in price (−)">
          P−
        </button>
        <button type="button" onClick={() => onZoomPrice(1)} aria-label="Zoom in in price (+)">
          P+
        </button>
      </span>
      <span className="tf-heatmap__zoom" aria-label="Time zoom">
        <button type="button" onClick={() => onZoomTime(-1)} aria-label="Narrower columns: more time ([)">
          T−
        </button>
        <button type="button" onClick={() => onZoomTime(1)} aria-label="Wider columns: less time (])">
          T+
        </button>
      </span>
    </div>
  );
}
