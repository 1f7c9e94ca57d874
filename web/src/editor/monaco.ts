// monaco-editor, set up once: the core API, the handful of editor features an exercise needs,
// JavaScript highlighting, its web worker and two themes in the app's colours. Only
// CodeEditor.tsx imports this, and only the lazily loaded exercise panel imports that.
//
// Since 0.56 the package's exports map ("./*" → "./esm/vs/*.js") gives these entry points:
// "monaco-editor/editor/editor.api", "monaco-editor/features/<name>/register",
// "monaco-editor/languages/definitions/<lang>/register". The old "monaco-editor/esm/vs/…"
// paths no longer resolve.
import * as monaco from 'monaco-editor/editor/editor.api';
import 'monaco-editor/features/codicon/register';
import 'monaco-editor/features/bracketMatching/register';
import 'monaco-editor/features/clipboard/register';
import 'monaco-editor/features/comment/register';
import 'monaco-editor/features/contextmenu/register';
import 'monaco-editor/features/cursorUndo/register';
import 'monaco-editor/features/find/register';
import 'monaco-editor/features/folding/register';
import 'monaco-editor/features/gotoError/register';
import 'monaco-editor/features/hover/register';
import 'monaco-editor/features/indentation/register';
import 'monaco-editor/features/linesOperations/register';
import 'monaco-editor/features/multicursor/register';
import 'monaco-editor/features/smartSelect/register';
import 'monaco-editor/features/suggest/register';
// Ctrl+M: Tab moves focus instead of indenting, the way out of the editor by keyboard
import 'monaco-editor/features/toggleTabFocusMode/register';
import 'monaco-editor/features/wordHighlighter/register';
import 'monaco-editor/features/wordOperations/register';
// Highlighting only (a Monarch grammar): the TypeScript language service and its multi-MB
// worker are left out; the sandbox reports errors with their line instead.
import 'monaco-editor/languages/definitions/javascript/register';
import EditorWorker from 'monaco-editor/editor/editor.worker?worker';

// The editor worker computes diffs and word-based suggestions off the main thread.
self.MonacoEnvironment = {
  getWorker: () => new EditorWorker(),
};

// The app's --surface and text colours (web/src/styles/base.css), so the editor sits in the
// page like the other panels. CSS custom properties hold light-dark() here, which monaco
// cannot read, hence the literals.
monaco.editor.defineTheme('wslab-light', {
  base: 'vs',
  inherit: true,
  rules: [],
  colors: { 'editor.background': '#ffffff', 'editorLineNumber.foreground': '#5a6170', 'editorGutter.background': '#ffffff' },
});
monaco.editor.defineTheme('wslab-dark', {
  base: 'vs-dark',
  inherit: true,
  rules: [],
  colors: { 'editor.background': '#1e2128', 'editorLineNumber.foreground': '#a2a8b6', 'editorGutter.background': '#1e2128' },
});

export { monaco };
