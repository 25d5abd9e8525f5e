import tseslint from 'typescript-eslint'
import vue from 'eslint-plugin-vue'
import vueParser from 'vue-eslint-parser'
import { builtinModules } from 'node:module'
import engineLayers from './scripts/eslint-engine-layers.js'

// Layering (architecture.md): shared ← engine ← (services, cli, cluster, main); renderer talks only through shared.
const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)]
const layer = (message, patterns, paths = []) => ({
  'no-restricted-imports': ['error', { paths: paths.map((name) => ({ name, message })), patterns: [{ group: patterns, message }] }],
})

const rendererMessage = 'renderer talks to the app only through shared/ (no Node, no electron/*)'
const rendererPatterns = ['**/electron/**', 'electron/*']
const rendererPaths = ['electron', ...nodeBuiltins]

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'scratch/**', 'resources/**', 'tests/fixtures/lint/**', 'build/**'] },
  ...tseslint.configs.recommended,
  ...vue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parser: vueParser, parserOptions: { parser: tseslint.parser, sourceType: 'module', extraFileExtensions: ['.vue'] } },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'vue/multi-word-component-names': 'off',
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
      'vue/html-indent': 'off',
      'vue/html-closing-bracket-newline': 'off',
      'vue/multiline-html-element-content-newline': 'off',
    },
  },
  {
    files: ['shared/**/*.ts'],
    ignores: ['shared/jobs/results/**'],
    rules: layer('shared/ is the contract: it imports nothing of ours (only zod)', ['**/electron/**', '**/renderer/**', '../../*', 'electron'], ['electron', ...nodeBuiltins]),
  },
  {
    // one level deeper: '../../' still points inside shared/
    files: ['shared/jobs/results/**/*.ts'],
    rules: layer('shared/ is the contract: it imports nothing of ours (only zod)', ['**/electron/**', '**/renderer/**', '../../../*', 'electron'], ['electron', ...nodeBuiltins]),
  },
  {
    files: ['electron/engine/**/*.ts'],
    rules: layer('electron/engine must not import Electron, main, services, cli, cluster or renderer', ['**/main/**', '**/services/**', '**/cli/**', '**/cluster/**', '**/renderer/**', 'electron/*'], ['electron']),
  },
  {
    files: ['electron/engine/**/*.ts'],
    plugins: { ntkw: { rules: { 'engine-layers': engineLayers } } },
    rules: { 'ntkw/engine-layers': 'error' },
  },
  {
    files: ['electron/services/**/*.ts', 'electron/cli/**/*.ts', 'electron/cluster/**/*.ts'],
    rules: layer('services, cli and cluster run without Electron: no electron, main or renderer imports', ['**/main/**', '**/renderer/**', 'electron/*'], ['electron']),
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.vue'],
    rules: layer(rendererMessage, rendererPatterns, rendererPaths),
  },
  {
    // Stores hold state for components, never the other way round: what a store needs from a form lives in
    // renderer/src/forms/ (or another non-component folder), not in components/.
    files: ['renderer/src/stores/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: rendererPaths.map((name) => ({ name, message: rendererMessage })),
          patterns: [
            { group: rendererPatterns, message: rendererMessage },
            { group: ['**/components/**', '**/views/**', '*.vue'], message: 'a store may not import a component (components/, views/ or a .vue file): move what it needs to renderer/src/forms/ or shared/' },
          ],
        },
      ],
    },
  },
)
