// A CodeMirror 6 editor holding one VM's guest program: TypeScript highlighting, completion and
// hover docs for the guest API (vm.*), and the program's error shown at its line.
import { useEffect, useRef } from 'preact/hooks';
import { effect, type Signal } from '@preact/signals';
import { EditorView, basicSetup } from 'codemirror';
import { javascript } from '@codemirror/lang-javascript';
import { autocompletion, type CompletionContext } from '@codemirror/autocomplete';
import { hoverTooltip, keymap } from '@codemirror/view';
import { setDiagnostics } from '@codemirror/lint';
import { Compartment, Prec } from '@codemirror/state';
import { oneDark } from '@codemirror/theme-one-dark';
import { GUEST_API, objectOf } from '../playground/guest-api.ts';

function guestCompletions(context: CompletionContext) {
  const word = context.matchBefore(/[\w.]*/);
  if (!word) return null;
  const dot = word.text.lastIndexOf('.');
  if (dot < 0) return null;
  const object = objectOf(word.text.slice(0, dot + 1));
  if (!object) return null;
  return {
    from: word.from + dot + 1,
    options: GUEST_API[object].map((d) => ({ label: d.label, type: d.type, detail: d.detail, info: d.info })),
  };
}

const guestHover = hoverTooltip((view, pos) => {
  const line = view.state.doc.lineAt(pos);
  const text = line.text;
  let start = pos - line.from;
  let end = start;
  while (start > 0 && /\w/.test(text[start - 1])) start--;
  while (end < text.length && /\w/.test(text[end])) end++;
  if (start === end) return null;
  const object = objectOf(text.slice(0, start));
  const doc = object && GUEST_API[object].find((d) => d.label === text.slice(start, end));
  if (!doc) return null;
  return {
    pos: line.from + start,
    end: line.from + end,
    above: true,
    create() {
      const dom = document.createElement('div');
      dom.className = 'api-doc';
      const head = document.createElement('code');
      head.textContent = `${object}.${doc.label}${doc.type === 'method' ? doc.detail : `: ${doc.detail}`}`;
      const body = document.createElement('p');
      body.textContent = doc.info;
      dom.append(head, body);
      return { dom };
    },
  };
});

/**
 * The editor shows and edits `source` directly: typing writes the signal, and a change from outside
 * (a starter, a session) is written into the editor by a signal effect, synchronously, so the
 * two never chase each other with stale values.
 */
export function Editor({ source, label, error, onRun }: {
  source: Signal<string>;
  label: string;
  /** an error to show at its line (1-based) */
  error?: { line: number; message: string };
  onRun: () => void;
}) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | undefined>(undefined);
  const latest = useRef(onRun);
  latest.current = onRun;
  useEffect(() => {
    // CodeMirror draws light chrome and code colours meant for a light page; on a dark page it
    // takes One Dark (chrome and highlighting). It follows the system as the page does.
    const scheme = matchMedia('(prefers-color-scheme: dark)');
    const theme = new Compartment();
    const chrome = () => (scheme.matches ? oneDark : []);
    const editor = new EditorView({
      doc: source.peek(),
      parent: host.current!,
      extensions: [
        basicSetup,
        javascript({ typescript: true }),
        autocompletion({ override: [guestCompletions] }),
        guestHover,
        // Above basicSetup's own Mod-Enter (insertBlankLine), which would otherwise win.
        Prec.highest(keymap.of([{ key: 'Mod-Enter', run: () => { latest.current(); return true; } }])),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) source.value = update.state.doc.toString();
        }),
        EditorView.contentAttributes.of({ 'aria-label': label }),
        theme.of(chrome()),
      ],
    });
    const onScheme = () => editor.dispatch({ effects: theme.reconfigure(chrome()) });
    scheme.addEventListener('change', onScheme);
    view.current = editor;
    const dispose = effect(() => {
      const text = source.value;
      if (editor.state.doc.toString() !== text) editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: text } });
    });
    return () => {
      scheme.removeEventListener('change', onScheme);
      dispose();
      editor.destroy();
    };
  }, [source]);
  useEffect(() => {
    const editor = view.current;
    if (!editor) return;
    if (!error || error.line < 1 || error.line > editor.state.doc.lines) {
      editor.dispatch(setDiagnostics(editor.state, []));
      return;
    }
    const line = editor.state.doc.line(error.line);
    editor.dispatch(setDiagnostics(editor.state, [{ from: line.from, to: line.to, severity: 'error', message: error.message }]));
  }, [error?.line, error?.message]);
  return <div class="editor" ref={host} />;
}
