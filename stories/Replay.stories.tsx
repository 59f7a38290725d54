import type { Meta, StoryObj } from '@storybook/react-vite';
import { useEffect, useMemo, useState, type DragEvent } from 'react';
import { expect, userEvent, waitFor, within } from 'storybook/test';

import { createMarketStore, ReplaySource, type ReplayProgress } from '../components';
import { AllComponents } from './support/AllComponents';
import recordingUrl from './fixtures/sim-usd.tfrec?url';

const SPEEDS = [0.25, 0.5, 1, 2, 4, 8, 16, 'max'] as const;

/** A recording player: the same ReplaySource an app would use, with controls and a drop zone for your own file. */
function ReplayPlayer() {
  const [recording, setRecording] = useState<string | Uint8Array>(recordingUrl);
  const [fileName, setFileName] = useState('simulator sample (sim-usd.tfrec)');
  const [error, setError] = useState<string | null>(null);
  const source = useMemo(() => new ReplaySource({ recording }), [recording]);
  const store = useMemo(() => createMarketStore({ source }), [source]);
  const [p, setP] = useState<ReplayProgress>(source.progress());
  useEffect(() => {
    const off = source.onProgress(setP);
    return () => {
      off();
      store.dispose();
    };
  }, [source, store]);

  const load = async (file: File) => {
    setError(null);
    const bytes = new Uint8Array(await file.arrayBuffer());
    try {
      const { readRecording } = await import('../components');
      readRecording(bytes); // fail here, clearly, rather than in the player
      setRecording(bytes);
      setFileName(file.name);
    } catch (e) {
      setError(`${file.name}: ${e instanceof Error ? e.message : e}`);
    }
  };
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    const f = e.dataTransfer.files[0];
    if (f) void load(f);
  };

  return (
    <div style={{ display: 'grid', gap: 12, fontFamily: 'sans-serif', fontSize: 13 }}>
      <div onDragOver={(e) => e.preventDefault()} onDrop={onDrop} style={{ border: '2px dashed var(--tf-muted)', padding: 12 }}>
        <label>
          Recording: <strong>{fileName}</strong> — drop a <code>.tfrec</code> file here or{' '}
          <input
            type="file"
            accept=".tfrec,application/octet-stream"
            aria-label="Load a recording"
            onChange={(e) => e.target.files?.[0] && load(e.target.files[0])}
          />
        </label>
        {error && <p role="alert">{error}</p>}
      </div>
      <div role="group" aria-label="Player controls" style={{ display: 'flex', gap: 8, alignItems: 'center', flexWrap: 'wrap' }}>
        {/* eslint-disable-next-line storybook/context-in-play-function -- ReplaySource.play(), not a story's play function */}
        <button type="button" onClick={() => (p.playing ? source.pause() : source.play())}>
          {p.playing ? 'Pause' : 'Play'}
        </button>
        <button type="button" onClick={() => source.step()}>
          Step
        </button>
        <label>
          Speed{' '}
          <select value={String(p.speed)} onChange={(e) => source.setSpeed(e.target.value === 'max' ? 'max' : Number(e.target.value))}>
            {SPEEDS.map((s) => (
              <option key={s} value={String(s)}>
                {s === 'max' ? 'max' : `${s}×`}
              </option>
            ))}
          </select>
        </label>
        <label>
          <input type="checkbox" checked={p.loop} onChange={(e) => source.setLoop(e.target.checked)} /> Loop
        </label>
        <label style={{ display: 'flex', gap: 4, alignItems: 'center' }}>
          Position
          <input
            type="range"
            min={0}
            max={Math.max(0, p.durationMs)}
            value={p.positionMs}
            onChange={(e) => source.seek(Number(e.target.value))}
            aria-valuetext={`${(p.positionMs / 1000).toFixed(2)} of ${(p.durationMs / 1000).toFixed(2)} seconds`}
          />
        </label>
        <span data-testid="replay-progress">
          frame {p.index} / {p.count}
        </span>
      </div>
      <AllComponents store={store} />
    </div>
  );
}

const meta = { title: 'Replay/Player', component: ReplayPlayer } satisfies Meta<typeof ReplayPlayer>;
export default meta;

export const Player: StoryObj<typeof meta> = {
  play: async ({ canvasElement }) => {
    const c = within(canvasElement);
    await c.findByTestId('best-bid', {}, { timeout: 15_000 });
    await userEvent.click(c.getByRole('button', { name: 'Pause' }));
    const frameNo = () => Number(/frame (\d+)/.exec(c.getByTestId('replay-progress').textContent!)![1]);
    const paused = frameNo();
    await userEvent.click(c.getByRole('button', { name: 'Step' }));
    await waitFor(() => expect(frameNo()).toBe(paused + 1));
    const seq = Number(canvasElement.querySelector('.tf-ladder')!.getAttribute('data-sequence'));
    await userEvent.click(c.getByRole('button', { name: 'Step' }));
    await waitFor(() => expect(Number(canvasElement.querySelector('.tf-ladder')!.getAttribute('data-sequence'))).toBe(seq + 1));
    await userEvent.selectOptions(c.getByRole('combobox', { name: /Speed/ }), '4');
    await userEvent.click(c.getByRole('button', { name: 'Play' }));
    await waitFor(() => expect(frameNo()).toBeGreaterThan(paused + 5), { timeout: 15_000 });
    // A file that is not a recording is refused with a message, and the player keeps playing.
    const input = c.getByLabelText('Load a recording') as HTMLInputElement;
    await userEvent.upload(input, new File([new Uint8Array([1, 2, 3])], 'junk.tfrec'));
    await expect(await c.findByRole('alert')).toHaveTextContent(/junk\.tfrec: not a tickframe recording/);
  },
};
