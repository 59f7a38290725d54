import type { StorybookConfig } from '@storybook/react-vite';

const config: StorybookConfig = {
  stories: ['../stories/**/*.stories.@(ts|tsx)'],
  addons: ['@storybook/addon-docs', '@storybook/addon-a11y', '@storybook/addon-vitest', 'msw-storybook-addon'],
  // mockServiceWorker.js for msw (the WebSocket mocks patch the page; the worker serves any HTTP mocks).
  staticDirs: ['./public'],
  framework: { name: '@storybook/react-vite', options: {} },
  core: { disableTelemetry: true },
  async viteFinal(config) {
    // The engine's wasm-bindgen glue resolves its .wasm via import.meta.url; keep it out of the
    // dependency optimizer, which would move the JS and break that URL.
    config.optimizeDeps = { ...config.optimizeDeps, exclude: [...(config.optimizeDeps?.exclude ?? []), 'tickframe_engine'] };
    return config;
  },
};
export default config;
