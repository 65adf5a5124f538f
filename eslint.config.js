import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import svelte from 'eslint-plugin-svelte'
import globals from 'globals'

export default tseslint.config(
  {
    ignores: [
      'node_modules',
      'dist',
      'dev-dist',
      'test-results',
      'playwright-report',
      'coverage',
      'test/bench/results',
      'src/core/erasure/wasm/*.js',
      // AssemblyScript, compiled by asc rather than tsc.
      'src/core/erasure/wasm/assembly',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  ...svelte.configs.recommended,
  {
    languageOptions: {
      globals: { ...globals.browser, ...globals.node },
      parserOptions: {
        projectService: true,
        extraFileExtensions: ['.svelte'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      'no-console': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
  },
  {
    // Command-line programs talk to their user through the console.
    files: ['relay/bin/**', 'keeper/bin/**', 'scripts/**', 'test/bench/**'],
    rules: { 'no-console': 'off' },
  },
)
