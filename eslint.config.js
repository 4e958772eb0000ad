import tseslint from 'typescript-eslint';
import globals from 'globals';

const nodeOnly = ['node:*', 'fs', 'path', 'os', 'child_process', 'worker_threads', 'http', 'https', 'net', 'crypto', 'url', 'stream', 'zlib', 'events', 'readline', 'util'];
const restrictedForPure = [
  ...nodeOnly.map((name) => ({ group: [name], message: 'src/analytics and src/renderer must not import Node built-ins.' })),
  { group: ['electron', 'electron/*'], message: 'Only src/main/electron and src/preload may import electron.' },
  { group: ['better-sqlite3', 'kysely', '**/main/node/**', '**/main/electron/**'], message: 'No database or main-process code here.' },
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'out/**', 'dist/**', 'perf/.data/**', '.workspace*/**', 'test-results/**'] },
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-restricted-imports': ['error', { patterns: [{ group: ['electron', 'electron/*'], message: 'Only src/main/electron and src/preload may import electron.' }] }],
    },
  },
  {
    files: ['src/analytics/**', 'src/renderer/**', 'src/contract/**', 'src/main/common/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: restrictedForPure.map((p) => ({ ...p, group: p.group })) }],
    },
  },
  {
    files: ['src/analytics/**', 'src/contract/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [...restrictedForPure, { group: ['react', 'react-dom', '@mui/*'], message: 'src/analytics is pure: no UI imports.' }] }],
    },
  },
  {
    files: ['src/main/electron/**', 'src/preload/**', 'electron.vite.config.ts', 'test/e2e/electron/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
);
