import { flushSync, mount, unmount, type Component } from 'svelte';
import { afterEach, expect } from 'vitest';

/** A mounted component and ways to look inside it. */
export interface Rendered {
  target: HTMLElement;
  destroy(): void;
}

const mounted = new Set<Rendered>();
// Every test file that renders gets its components unmounted after each test.
afterEach(() => {
  for (const view of mounted) view.destroy();
});

/** Mounts a component into the document (dialogs and focus need it attached). */
export function render<Props extends Record<string, any>>(component: Component<Props>, props: Props): Rendered {
  const target = document.createElement('div');
  document.body.append(target);
  const instance = mount(component, { target, props });
  flushSync();
  const view: Rendered = {
    target,
    destroy() {
      if (!mounted.delete(view)) return;
      unmount(instance);
      target.remove();
    },
  };
  mounted.add(view);
  return view;
}

/** Lets pending fetches and timers run, then applies state changes to the DOM. */
export async function settle(rounds = 6): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    await new Promise((resolve) => setTimeout(resolve, 0));
    flushSync();
  }
}

/** Waits until `check` passes (it throws until then). */
export async function waitUntil(check: () => void, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      flushSync();
      check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

/** The control a `<label>` (or aria-label) names. */
export function byLabel(root: ParentNode, text: string | RegExp): HTMLInputElement & HTMLSelectElement & HTMLTextAreaElement {
  const matches = (value: string | null | undefined) => (value ? (typeof text === 'string' ? value.trim() === text : text.test(value.trim())) : false);
  for (const label of root.querySelectorAll('label')) {
    const own = [...label.childNodes].filter((node) => node.nodeType === 3 || (node as Element).tagName === 'SPAN').map((node) => node.textContent).join('');
    if (!matches(label.textContent) && !matches(own)) continue;
    const control = label.htmlFor ? root.querySelector(`[id="${label.htmlFor}"]`) : label.querySelector('input, select, textarea');
    if (control) return control as any;
  }
  const labelled = [...root.querySelectorAll('[aria-label]')].find((element) => matches(element.getAttribute('aria-label')));
  if (labelled) return labelled as any;
  throw new Error(`no control labelled ${String(text)}`);
}

/** The button whose text (or aria-label) is `text`. */
export function button(root: ParentNode, text: string | RegExp): HTMLButtonElement {
  const found = [...root.querySelectorAll('button')].find((candidate) => {
    const names = [candidate.textContent?.replace(/\s+/g, ' ').trim() ?? '', candidate.getAttribute('aria-label') ?? ''];
    return names.some((name) => (typeof text === 'string' ? name === text : text.test(name)));
  });
  if (!found) throw new Error(`no button ${String(text)}; buttons: ${[...root.querySelectorAll('button')].map((b) => b.textContent?.trim()).join(' | ')}`);
  return found;
}

/** Types into an input or textarea as a person would (one input event). */
export function type(control: HTMLInputElement | HTMLTextAreaElement, value: string): void {
  control.value = value;
  control.dispatchEvent(new Event('input', { bubbles: true }));
  flushSync();
}

/** Picks an option or flips a checkbox (a change event). */
export function choose(control: HTMLSelectElement | HTMLInputElement, value?: string | boolean): void {
  if (typeof value === 'boolean') (control as HTMLInputElement).checked = value;
  else if (value !== undefined) control.value = value;
  if (control instanceof HTMLSelectElement) matchCheckedOptions(control);
  control.dispatchEvent(new Event('change', { bubbles: true }));
  flushSync();
}

/**
 * Svelte's `bind:value` on a select reads `select.querySelector(':checked')`; happy-dom matches
 * `:checked` on inputs only, so the selected option is answered here.
 */
function matchCheckedOptions(select: HTMLSelectElement): void {
  const original = HTMLSelectElement.prototype.querySelector;
  select.querySelector = ((selector: string) =>
    selector === ':checked' ? (select.selectedOptions[0] ?? null) : original.call(select, selector)) as typeof select.querySelector;
}

/** Clicks and applies the result. */
export function click(element: HTMLElement): void {
  element.click();
  flushSync();
}

/** The visible text, whitespace collapsed. */
export function text(element: Element | null | undefined): string {
  return element?.textContent?.replace(/\s+/g, ' ').trim() ?? '';
}

/** Asserts that the root shows `expected` somewhere. */
export function expectText(root: Element, expected: string | RegExp): void {
  const shown = text(root);
  if (typeof expected === 'string') expect(shown).toContain(expected);
  else expect(shown).toMatch(expected);
}
