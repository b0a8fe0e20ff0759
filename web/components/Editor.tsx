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
import { oneDarkTheme } from '@codemirror/theme-one-dark';
import { HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { tags as t } from '@lezer/highlight';

// Highlighting whose every colour reads at 4.5:1 or more on its background (axe's contrast rule),
// replacing basicSetup's fallback while active. Light: CodeMirror's default but for #e40 (escapes,
// template strings: 3.8:1 on white) and #f00 (invalid: 4.0:1). Dark: One Dark's (its theme kept
// for the chrome) but for its comments #7d8799 (3.9:1 on #282c34) and names #e06c75 (4.4:1).
const readableLight = syntaxHighlighting(HighlightStyle.define([
  { tag: t.meta, color: '#404740' },
  { tag: t.link, textDecoration: 'underline' },
  { tag: t.heading, textDecoration: 'underline', fontWeight: 'bold' },
  { tag: t.emphasis, fontStyle: 'italic' },
  { tag: t.strong, fontWeight: 'bold' },
  { tag: t.strikethrough, textDecoration: 'line-through' },
  { tag: t.keyword, color: '#708' },
  { tag: [t.atom, t.bool, t.url, t.contentSeparator, t.labelName], color: '#219' },
  { tag: [t.literal, t.inserted], color: '#164' },
  { tag: [t.string, t.deleted], color: '#a11' },
  { tag: [t.regexp, t.escape, t.special(t.string)], color: '#a33400' },
  { tag: t.definition(t.variableName), color: '#00f' },
  { tag: t.local(t.variableName), color: '#30a' },
  { tag: [t.typeName, t.namespace], color: '#085' },
  { tag: t.className, color: '#167' },
  { tag: [t.special(t.variableName), t.macroName], color: '#256' },
  { tag: t.definition(t.propertyName), color: '#00c' },
  { tag: t.comment, color: '#940' },
  { tag: t.invalid, color: '#c00' },
]));
const readableDark = [oneDarkTheme, syntaxHighlighting(HighlightStyle.define([
  { tag: t.keyword, color: '#c678dd' },
  { tag: [t.name, t.deleted, t.character, t.propertyName, t.macroName], color: '#ec8d94' },
  { tag: [t.function(t.variableName), t.labelName], color: '#61afef' },
  { tag: [t.color, t.constant(t.name), t.standard(t.name)], color: '#d19a66' },
  { tag: [t.definition(t.name), t.separator], color: '#abb2bf' },
  { tag: [t.typeName, t.className, t.number, t.changed, t.annotation, t.modifier, t.self, t.namespace], color: '#e5c07b' },
  { tag: [t.operator, t.operatorKeyword, t.url, t.escape, t.regexp, t.link, t.special(t.string)], color: '#56b6c2' },
  { tag: [t.meta, t.comment], color: '#9da5b4' },
  { tag: t.strong, fontWeight: 'bold' },
  { tag: t.emphasis, fontStyle: 'italic' },
  { tag: t.strikethrough, textDecoration: 'line-through' },
  { tag: t.link, color: '#9da5b4', textDecoration: 'underline' },
  { tag: t.heading, fontWeight: 'bold', color: '#ec8d94' },
  { tag: [t.atom, t.bool, t.special(t.variableName)], color: '#d19a66' },
  { tag: [t.processingInstruction, t.string, t.inserted], color: '#98c379' },
  { tag: t.invalid, color: '#ffffff' },
]))];
import { GUEST_API, shownName, typeBefore } from '../playground/guest-api.ts';

function guestCompletions(context: CompletionContext) {
  const line = context.state.doc.lineAt(context.pos);
  const before = line.text.slice(0, context.pos - line.from);
  const word = /[\w$]*$/.exec(before)![0];
  const type = typeBefore(before.slice(0, before.length - word.length));
  if (!type) return null;
  return {
    from: context.pos - word.length,
    options: GUEST_API.types[type].map((d) => ({ label: d.label, type: d.type, detail: d.detail, info: d.info })),
  };
}

const guestHover = hoverTooltip((view, pos) => {
  const line = view.state.doc.lineAt(pos);
  const text = line.text;
  let start = pos - line.from;
  let end = start;
  while (start > 0 && /[\w$]/.test(text[start - 1])) start--;
  while (end < text.length && /[\w$]/.test(text[end])) end++;
  if (start === end) return null;
  const type = typeBefore(text.slice(0, start));
  const doc = type && GUEST_API.types[type].find((d) => d.label === text.slice(start, end));
  if (!doc) return null;
  return {
    pos: line.from + start,
    end: line.from + end,
    above: true,
    create() {
      const dom = document.createElement('div');
      dom.className = 'api-doc';
      const head = document.createElement('code');
      head.textContent = `${shownName(type)}.${doc.label}${doc.type === 'method' ? doc.detail : `: ${doc.detail}`}`;
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
    const chrome = () => (scheme.matches ? readableDark : readableLight);
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
    // Its scrolling area is reachable from the keyboard (arrow keys scroll it), as axe asks of one.
    editor.scrollDOM.tabIndex = 0;
    editor.scrollDOM.setAttribute('aria-label', `${label}, scrolling area`);
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
