type Child = Node | string | number | null | undefined | false
type Props = Record<string, string | number | boolean | EventListener | undefined>

/**
 * An element with its attributes, listeners (`onclick`, `onsubmit`, ...)
 * and children; text is always set as text, never parsed as HTML, so
 * nothing a server or a user sent can become markup.
 *
 * @example
 * h('button', { type: 'button', onclick: () => buy() }, 'Buy')
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag)
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === false) continue
    if (typeof value === 'function') element.addEventListener(name.slice(2), value)
    else element.setAttribute(name, value === true ? '' : String(value))
  }
  element.append(...children.filter(isChild).map(asNode))
  return element
}

/** Replaces an element's children. */
export function fill(element: Element, ...children: Child[]): void {
  element.replaceChildren(...children.filter(isChild).map(asNode))
}

/**
 * A labelled form field: the label's `for` names the input, so a click on
 * the label and a screen reader both find it.
 *
 * @example
 * field('Email', h('input', { name: 'email', type: 'email', required: true }))
 */
export function field(label: string, input: HTMLInputElement | HTMLSelectElement): HTMLElement {
  input.id ||= `field-${input.name}-${Math.random().toString(36).slice(2, 8)}`
  return h('p', { class: 'field' }, h('label', { for: input.id }, label), input)
}

/** The values of a submitted form, by input name. */
export function formValues(form: HTMLFormElement): Record<string, string> {
  const values: Record<string, string> = {}
  for (const [name, value] of new FormData(form)) values[name] = String(value)
  return values
}

function isChild(child: Child): child is Node | string | number {
  return child !== null && child !== undefined && child !== false
}

function asNode(child: Node | string | number): Node | string {
  return typeof child === 'number' ? String(child) : child
}

/**
 * Keeps a list's elements in step with `items`, one element per key, made
 * once and updated in place: a refresh every few seconds must not take
 * focus from a link or button a keyboard user is on.
 *
 * @example
 * const sales = keyedList(ul, (sale) => sale.id, card, updateCard, () => h('li', {}, 'None'))
 * sales.set(items) // after each fetch
 * sales.redraw() // on each clock tick
 */
export function keyedList<T>(
  list: HTMLElement,
  keyOf: (item: T) => string,
  create: (item: T) => HTMLElement,
  update: (element: HTMLElement, item: T) => void,
  empty: () => HTMLElement,
) {
  let shown = new Map<string, { element: HTMLElement; item: T }>()
  let drawn = false
  const redraw = () => {
    for (const { element, item } of shown.values()) update(element, item)
  }
  return {
    set(items: readonly T[]) {
      const next = new Map<string, { element: HTMLElement; item: T }>()
      for (const item of items) {
        const key = keyOf(item)
        next.set(key, { element: shown.get(key)?.element ?? create(item), item })
      }
      const before = [...shown.keys()]
      const after = [...next.keys()]
      shown = next
      redraw()
      if (drawn && before.length === after.length && before.every((key, i) => key === after[i]))
        return
      drawn = true
      if (after.length === 0) fill(list, empty())
      else fill(list, ...[...next.values()].map((entry) => entry.element))
    },
    redraw,
  }
}
