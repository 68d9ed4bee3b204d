// The code editor: CodeMirror 6 with JavaScript highlighting, and the
// runtime's refusals (from /console/api/check) as diagnostics at their line.
import { EditorView, basicSetup } from 'codemirror';
import { javascript } from '@codemirror/lang-javascript';
import { linter, lintGutter, forceLinting } from '@codemirror/lint';
import { consoleJSON } from './api.js';

// newEditor puts an editor in parent. runtime() names the runtime to check
// against; onProblems(list) hears each check's outcome; onChange() each edit.
export function newEditor(parent, doc, runtime, onProblems, readOnly, onChange) {
  const extensions = [basicSetup, javascript(), EditorView.lineWrapping];
  if (onChange) extensions.push(EditorView.updateListener.of((u) => { if (u.docChanged) onChange(); }));
  if (readOnly) {
    extensions.push(EditorView.editable.of(false));
  } else {
    extensions.push(lintGutter(), linter(async (view) => {
      const code = view.state.doc.toString();
      let res;
      try {
        res = await consoleJSON('POST', 'check', { code, runtime: runtime() });
      } catch (e) {
        onProblems([{ Line: 1, Column: 1, Message: 'check failed: ' + e.message }]);
        return [];
      }
      onProblems(res.problems);
      return res.problems.map((p) => diagnostic(view, p));
    }, { delay: 400 }));
  }
  const view = new EditorView({ doc, parent, extensions });
  return {
    view,
    get value() { return view.state.doc.toString(); },
    set value(s) { view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: s } }); },
    recheck() { forceLinting(view); },
    // reveal puts the cursor at a line and column and scrolls to it.
    reveal(line, column) {
      const { from } = diagnostic(view, { Line: line, Column: column });
      view.dispatch({ selection: { anchor: from }, scrollIntoView: true });
      view.focus();
    },
  };
}

// diagnostic places a refusal at its line and column, clamped to the text.
function diagnostic(view, p) {
  const doc = view.state.doc;
  const line = doc.line(Math.min(Math.max(p.Line, 1), doc.lines));
  const from = Math.min(line.from + Math.max(p.Column - 1, 0), line.to);
  return { from, to: Math.max(from, line.to), severity: 'error', message: p.Message };
}
