import type { StorybookConfig } from '@storybook/react-vite';

const config: StorybookConfig = {
  stories: ['../stories/**/*.stories.@(ts|tsx)'],
  // msw starts from the loader in preview.tsx (our own setup); listing 'msw-storybook-addon' here too
  // would also start the addon's default worker, a second interceptor with its own warnings.
  addons: ['@storybook/addon-docs', '@storybook/addon-a11y', '@storybook/addon-vitest'],
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
