import type { Meta, StoryObj } from '@storybook/react-vite';
import { useEffect, useMemo, useState, type DragEvent } from 'react';
import { expect, userEvent, waitFor, within } from 'storybook/test';

import { createMarketStore, ReplayControls, ReplaySource } from '../components';
import { AllComponents } from './support/AllComponents';
import { useStoryMarket } from './support/MarketChoice';

/** A recording player: the same ReplaySource an app would use, with controls and a drop zone for your own file. */
function ReplayPlayer() {
  const market = useStoryMarket();
  const [recording, setRecording] = useState<string | Uint8Array>(market.recording);
  const [fileName, setFileName] = useState(`${market.title} (${market.source})`);
  const [error, setError] = useState<string | null>(null);
  const source = useMemo(() => new ReplaySource({ recording }), [recording]);
  const store = useMemo(() => createMarketStore({ source }), [source]);
  useEffect(() => () => store.dispose(), [store]);

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
      <ReplayControls source={source} />
      <AllComponents store={store} />
    </div>
  );
}

const meta = { title: 'Replay/Player', component: ReplayPlayer } satisfies Meta<typeof ReplayPlayer>;
export default meta;

export const Player: StoryObj<typeof meta> = {
  globals: { market: 'kraken-btc-chf' },
  play: async ({ canvasElement }) => {
    const c = within(canvasElement);
    await c.findByTestId('best-bid', {}, { timeout: 15_000 });
    // The recording's market and time range, and the position, in recorded time.
    await expect(c.getByTestId('replay-symbol').textContent).toBe('BTC-CHF');
    // When the market happened (the capture's clock: April 2021), not when the recording was made.
    await expect(c.getByTestId('replay-range').textContent).toMatch(/^recorded .*2021.* \d{2}:\d{2}:\d{2}\.\d – \d{2}:\d{2}:\d{2}\.\d$/);
    await expect(c.getByTestId('replay-range').textContent).toMatch(/Apr/);
    await expect(c.getByTestId('replay-position').textContent).toMatch(/^\d{2}:\d{2}:\d{2}\.\d$/);
    // Keyboard: Space on the focused button pauses.
    c.getByRole('button', { name: 'Pause' }).focus();
    await userEvent.keyboard(' ');
    await expect(await c.findByRole('button', { name: 'Play' })).toBeTruthy();
    const frameNo = () => Number(/frame (\d+)/.exec(c.getByTestId('replay-progress').textContent!)![1]);
    const paused = frameNo();
    const before = c.getByTestId('replay-position').textContent;
    await userEvent.click(c.getByRole('button', { name: 'Step' }));
    await waitFor(() => expect(frameNo()).toBe(paused + 1));
    await waitFor(() => expect(c.getByTestId('replay-position').textContent).not.toBe(before));
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
