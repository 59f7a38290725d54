// ESLint flat config: typescript-eslint, React hooks, jsx-a11y and Storybook's rules over the kit,
// its stories, tests and benchmarks. Formatting is Prettier's job (npm run lint runs both).
import js from '@eslint/js';
import jsxA11y from 'eslint-plugin-jsx-a11y';
import reactHooks from 'eslint-plugin-react-hooks';
import storybook from 'eslint-plugin-storybook';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    // Generated (flatc, wasm-pack), built, or another project's code.
    ignores: [
      'schema/generated/**',
      'engine-wasm/pkg/**',
      'dist/**',
      'storybook-static/**',
      'bench-reports/**',
      'test-results/**',
      'target/**',
      '.storybook/public/**',
      'tests/package/apps/**/node_modules/**',
      'tests/package/apps/**/dist/**',
      'tests/package/apps/**/.next/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  reactHooks.configs.flat['recommended-latest'] ?? reactHooks.configs['recommended-latest'],
  jsxA11y.flatConfigs.recommended,
  ...storybook.configs['flat/recommended'],
  {
    // CommonJS config files of the fixture apps (webpack reads them with require).
    files: ['tests/package/apps/**/*.config.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      // `_`-prefixed names are deliberately unused (destructuring to drop a field, ignored arguments).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
);
