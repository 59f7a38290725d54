import type { Preview } from '@storybook/react-vite';
import { mswLoader } from 'msw-storybook-addon/csf3';

const preview: Preview = {
  loaders: [mswLoader()],
  globalTypes: {
    theme: {
      description: 'Colour theme of the components',
      toolbar: { title: 'Theme', icon: 'mirror', items: ['dark', 'light'], dynamicTitle: true },
    },
  },
  initialGlobals: { theme: 'dark' },
  decorators: [
    (Story, { globals }) => (
      <div data-theme={globals.theme ?? 'dark'} style={{ padding: 12, background: 'var(--tf-bg)', color: 'var(--tf-fg)', display: 'inline-block' }}>
        <Story />
      </div>
    ),
  ],
  parameters: {
    // Accessibility violations fail the story's test.
    a11y: { test: 'error' },
    layout: 'padded',
  },
};
export default preview;
