/**
 * The console's whole rendering layer: `h()` builds elements, `field()` pairs a control with its
 * label and hint, `replace()` swaps a region's content. No framework: the pages are forms and
 * tables that re-render on each navigation.
 */
export type Child = Node | string | number | null | undefined | false | Child[];
type AttrValue = string | number | boolean | null | undefined;
type Attrs = Record<string, AttrValue | ((event: Event) => void)>;

export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (value === true) el.setAttribute(name, '');
    else if (value !== false && value !== null && value !== undefined) el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

export function replace(region: Element, ...children: Child[]): void {
  region.replaceChildren();
  append(region, children);
}

let sequence = 0;
export const uid = (prefix: string): string => `${prefix}-${++sequence}`;

/** A labelled control: `<label for>` + the control + an optional hint it is described by. */
export function field(
  label: string,
  control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement,
  hint?: Child,
): HTMLDivElement {
  control.id ||= uid('f');
  const hintEl = hint ? h('p', { class: 'hint', id: `${control.id}-hint` }, hint) : undefined;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  const isBox =
    control instanceof HTMLInputElement && (control.type === 'checkbox' || control.type === 'radio');
  return h(
    'div',
    { class: isBox ? 'field check' : 'field' },
    isBox
      ? [control, h('label', { for: control.id }, label)]
      : [h('label', { for: control.id }, label), control],
    hintEl,
  );
}

/** A live region for results: polite for success, assertive (role=alert) for failures. */
export function notice(kind: 'ok' | 'error' | 'info', ...children: Child[]): HTMLDivElement {
  return h('div', { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, ...children);
}

/** An ISO time as the reader's local time, with the exact value kept in `datetime`. */
export function time(iso: string | null | undefined): Child {
  if (!iso) return '—';
  const date = new Date(iso);
  return h('time', { datetime: iso, title: iso }, Number.isNaN(date.getTime()) ? iso : date.toLocaleString());
}
