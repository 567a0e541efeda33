// @ts-check
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'scripts/**', 'eslint.config.js'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { project: './tsconfig.check.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // The raft core is pure and deterministic: time, randomness and I/O come in from outside.
    files: ['packages/raft/src/core/**/*.ts'],
    rules: {
      'no-restricted-globals': [
        'error',
        { name: 'setTimeout', message: 'raft core is pure: time is an input (tick)' },
        { name: 'setInterval', message: 'raft core is pure: time is an input (tick)' },
        { name: 'setImmediate', message: 'raft core is pure' },
        { name: 'queueMicrotask', message: 'raft core is pure' },
        { name: 'process', message: 'raft core is pure' },
        { name: 'performance', message: 'raft core is pure: time is an input (tick)' },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'raft core is pure: time is an input (tick)' },
        { object: 'Math', property: 'random', message: 'raft core is pure: randomness is injected' },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: "NewExpression[callee.name='Date']", message: 'raft core is pure: time is an input' },
      ],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            'node:*',
            'fs',
            'net',
            'http',
            'http2',
            'dgram',
            'crypto',
            'timers',
            'child_process',
            '@grpc/*',
            'classic-level',
          ],
        },
      ],
    },
  },
);
