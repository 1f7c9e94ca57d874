// A monaco editor for one exercise: JavaScript, the app's light or dark theme (following
// <html data-theme> and the system preference live), Ctrl/Cmd+Enter to run, and a marker on
// the line an error came from. Loaded lazily by ExercisePanel, with monaco inside.
import { useEffect, useRef } from 'react';
import { monaco } from './monaco.ts';

export interface EditorHandle {
  /** replaces the whole text as one edit, so Ctrl+Z brings the learner's code back */
  replace(text: string): void;
  focus(): void;
}

export interface Marker {
  line: number;
  message: string;
}

interface Props {
  /** the text when the editor is created; later changes go through the handle */
  initial: string;
  label: string;
  marker: Marker | null;
  onChange(text: string): void;
  onRun(): void;
  onReady(handle: EditorHandle | null): void;
}

function isDark(): boolean {
  const chosen = document.documentElement.dataset.theme;
  if (chosen) return chosen === 'dark';
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ?? false;
}

const applyTheme = () => monaco.editor.setTheme(isDark() ? 'wslab-dark' : 'wslab-light');

/** Follows the theme toggle (an attribute on <html>) and the system setting. */
function followTheme(): () => void {
  applyTheme();
  const attr = new MutationObserver(applyTheme);
  attr.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
  const media = window.matchMedia?.('(prefers-color-scheme: dark)');
  media?.addEventListener('change', applyTheme);
  return () => {
    attr.disconnect();
    media?.removeEventListener('change', applyTheme);
  };
}

export function CodeEditor({ initial, label, marker, onChange, onRun, onReady }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const editorRef = useRef<monaco.editor.IStandaloneCodeEditor | null>(null);
  // the latest callbacks, so the editor (made once) never calls a stale closure
  const props = useRef({ onChange, onRun });
  props.current = { onChange, onRun };

  useEffect(() => {
    const unfollow = followTheme();
    const editor = monaco.editor.create(host.current!, {
      value: initial,
      language: 'javascript',
      ariaLabel: label,
      automaticLayout: true,
      fontFamily: getComputedStyle(host.current!).getPropertyValue('--font-mono') || 'monospace',
      fontSize: 15,
      lineHeight: 22,
      tabSize: 2,
      minimap: { enabled: false },
      scrollBeyondLastLine: false,
      renderLineHighlight: 'line',
      padding: { top: 8, bottom: 8 },
      fixedOverflowWidgets: true,
    });
    editorRef.current = editor;
    const model = editor.getModel()!;
    const changes = editor.onDidChangeModelContent(() => {
      // an edit makes the last run's marker stale
      monaco.editor.setModelMarkers(model, 'wslab', []);
      props.current.onChange(model.getValue());
    });
    editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.Enter, () => props.current.onRun());
    onReady({
      replace(text: string) {
        editor.pushUndoStop();
        editor.executeEdits('wslab', [{ range: model.getFullModelRange(), text }]);
        editor.pushUndoStop();
        editor.setPosition({ lineNumber: 1, column: 1 });
        editor.revealLine(1);
      },
      focus: () => editor.focus(),
    });
    return () => {
      onReady(null);
      changes.dispose();
      editor.dispose();
      model.dispose();
      editorRef.current = null;
      unfollow();
    };
    // made once per mount: `initial` and `label` are read at creation only
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => {
    const model = editorRef.current?.getModel();
    if (!model) return;
    const line = marker ? Math.min(Math.max(marker.line, 1), model.getLineCount()) : 0;
    monaco.editor.setModelMarkers(
      model,
      'wslab',
      marker
        ? [
            {
              severity: monaco.MarkerSeverity.Error,
              message: marker.message,
              startLineNumber: line,
              startColumn: model.getLineFirstNonWhitespaceColumn(line) || 1,
              endLineNumber: line,
              endColumn: model.getLineMaxColumn(line),
            },
          ]
        : [],
    );
    if (marker) editorRef.current?.revealLineInCenterIfOutsideViewport(line);
  }, [marker]);

  return <div ref={host} className="exercise-monaco" data-testid="exercise-editor" />;
}

export default CodeEditor;
