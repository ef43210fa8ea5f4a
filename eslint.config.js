// One lint configuration for the whole workspace: typescript-eslint's recommended rules, no type-aware
// rules (they double the lint time and `tsc --noEmit` already runs in the tests).
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['**/node_modules/**', '**/dist/**', '**/.next/**', '.tools/**', '**/test-output/**', '**/next-env.d.ts', '**/data/**'],
  },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-explicit-any': 'off',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    // the UI shows every time through lib/format-time.ts: the browser's locale forms ("5:36:08 AM", "11/27/2026")
    // mixed 12- and 24-hour clocks on one page (outside audit)
    files: ['apps/web/app/**', 'apps/web/components/**', 'apps/web/lib/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name=/^toLocale(Time|Date)String$/]",
          message: 'Format times with lib/format-time.ts (formatClock, formatDateTime).',
        },
        {
          selector: "CallExpression[callee.property.name='toLocaleString'][arguments.length=0]",
          message: "Format times with lib/format-time.ts, numbers with lib/format.ts (or toLocaleString('en-US')).",
        },
        {
          selector: "NewExpression[callee.object.name='Intl'][callee.property.name='DateTimeFormat']",
          message: 'Format times with lib/format-time.ts.',
        },
      ],
    },
  },
);
