import { ApiError } from './api.ts';
import { type Child, h, notice } from './dom.ts';
import type { Session } from './session.ts';

/** What every page gets: who is signed in, where to render, the route's parameters. */
export interface PageContext {
  session: Session;
  main: HTMLElement;
  params: string[];
  query: URLSearchParams;
}

export type Page = (ctx: PageContext) => Promise<void>;

/** The page's heading, focusable so navigation moves keyboard and screen-reader focus to it. */
export function heading(text: string): HTMLHeadingElement {
  return h('h1', { tabindex: -1 }, text);
}

/** An API failure as the person sees it: the API's own message, and each field it named. */
export function failure(err: unknown, prefix?: string): HTMLDivElement {
  const message = err instanceof Error ? err.message : String(err);
  const fields = err instanceof ApiError ? err.fieldErrors : [];
  return notice(
    'error',
    h('p', {}, prefix ? `${prefix}: ` : '', message),
    fields.length > 0 &&
      h(
        'ul',
        {},
        fields.map((f) =>
          h('li', {}, f.field ? h('code', {}, f.field) : null, f.field ? ' ' : '', f.message),
        ),
      ),
  );
}

/** A button that disables itself while its action runs (no double submits). */
export function actionButton(
  label: string,
  run: (button: HTMLButtonElement) => Promise<void>,
  attrs: Record<string, string> = {},
): HTMLButtonElement {
  const button = h('button', { type: 'button', ...attrs }, label);
  button.addEventListener('click', async () => {
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    try {
      await run(button);
    } finally {
      button.disabled = false;
      button.removeAttribute('aria-busy');
    }
  });
  return button;
}

export function table(caption: string, headers: string[], rows: Child[][]): HTMLTableElement {
  return h(
    'table',
    {},
    h('caption', {}, caption),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        headers.map((t) => h('th', { scope: 'col' }, t)),
      ),
    ),
    h(
      'tbody',
      {},
      rows.map((cells) =>
        h(
          'tr',
          {},
          cells.map((c, i) =>
            i === 0 ? h('th', { scope: 'row' }, c) : h('td', { 'data-label': headers[i] }, c),
          ),
        ),
      ),
    ),
  );
}

/** A confirmation in a modal <dialog> (focus trapped, Escape cancels); resolves true on confirm. */
export function confirmDialog(question: string, confirmLabel: string): Promise<boolean> {
  return new Promise((resolve) => {
    const dialog = h(
      'dialog',
      { 'aria-labelledby': 'confirm-q' },
      h('form', { method: 'dialog' }, [
        h('p', { id: 'confirm-q' }, question),
        h(
          'div',
          { class: 'actions' },
          h('button', { value: 'cancel', autofocus: true }, 'Cancel'),
          h('button', { value: 'confirm', class: 'danger' }, confirmLabel),
        ),
      ]),
    );
    dialog.addEventListener('close', () => {
      resolve(dialog.returnValue === 'confirm');
      dialog.remove();
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}
