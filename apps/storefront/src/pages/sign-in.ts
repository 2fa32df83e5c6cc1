import { field, formValues, h } from '../dom.ts'
import { explain } from '../messages.ts'
import type { Mounted, Shop } from '../shop.ts'

/**
 * A form whose submit button is disabled while its call is in flight, with
 * one place for the answer.
 */
function form(
  label: string,
  fields: HTMLElement[],
  submit: string,
  send: (values: Record<string, string>) => Promise<string | null>,
) {
  const problem = h('p', { class: 'problem', role: 'alert' })
  const button = h('button', { type: 'submit' }, submit)
  const element = h(
    'form',
    {
      'aria-label': label,
      onsubmit: async (event: Event) => {
        event.preventDefault()
        button.disabled = true
        problem.textContent = ''
        problem.textContent = (await send(formValues(element))) ?? ''
        button.disabled = false
      },
    },
    ...fields,
    button,
    problem,
  )
  return element
}

const input = (name: string, type: string, extra: Record<string, string | number | boolean> = {}) =>
  h('input', { name, type, required: true, ...extra })

/** `#/login?email=&next=`: e-mail and password; back to where the buyer was. */
export function loginPage(shop: Shop, params: URLSearchParams): Mounted {
  const created = params.get('created') === '1'
  const next = params.get('next')
  const element = h(
    'section',
    { class: 'narrow' },
    h('h1', {}, 'Log in'),
    created && h('p', { class: 'note', role: 'status' }, 'Your account is ready. Log in to shop.'),
    form(
      'Log in',
      [
        field(
          'Email',
          input('email', 'email', { autocomplete: 'username', value: params.get('email') ?? '' }),
        ),
        field('Password', input('password', 'password', { autocomplete: 'current-password' })),
      ],
      'Log in',
      async ({ email = '', password = '' }) => {
        const answer = await shop.client.session.login({ email, password })
        if (answer.isErr()) return explain(answer.error)
        shop.rememberEmail(email)
        shop.go(next?.startsWith('#/') ? next : '#/')
        return null
      },
    ),
    h('p', {}, 'New here? ', h('a', { href: '#/signup' }, 'Sign up')),
  )
  return { title: 'Log in', element }
}

/** `#/signup`: the account's details; a code is e-mailed, and entered on the next page. */
export function signupPage(shop: Shop): Mounted {
  const element = h(
    'section',
    { class: 'narrow' },
    h('h1', {}, 'Sign up'),
    form(
      'Sign up',
      [
        field('Name', input('name', 'text', { autocomplete: 'name', maxlength: 200 })),
        field('Email', input('email', 'email', { autocomplete: 'email' })),
        field(
          'Password (at least 10 characters)',
          input('password', 'password', { autocomplete: 'new-password', minlength: 10 }),
        ),
      ],
      'Send me a code',
      async ({ name = '', email = '', password = '' }) => {
        const answer = await shop.client.session.signup({ name, email, password })
        if (answer.isErr()) return explain(answer.error)
        shop.go(`#/verify?email=${encodeURIComponent(email)}`)
        return null
      },
    ),
    h('p', {}, 'Have an account? ', h('a', { href: '#/login' }, 'Log in')),
  )
  return { title: 'Sign up', element }
}

/** `#/verify?email=`: the 6-digit code from the e-mail creates the account. */
export function verifyPage(shop: Shop, params: URLSearchParams): Mounted {
  const email = params.get('email') ?? ''
  const element = h(
    'section',
    { class: 'narrow' },
    h('h1', {}, 'Enter your code'),
    h(
      'p',
      { class: 'note' },
      email
        ? `We e-mailed a 6-digit code to ${email}. It works for 10 minutes.`
        : 'Enter the e-mail you signed up with and the 6-digit code we sent to it.',
    ),
    form(
      'Enter your code',
      [
        field('Email', input('email', 'email', { autocomplete: 'email', value: email })),
        field(
          'Code',
          input('code', 'text', {
            inputmode: 'numeric',
            autocomplete: 'one-time-code',
            pattern: '[0-9]{6}',
            maxlength: 6,
          }),
        ),
      ],
      'Create my account',
      async ({ email = '', code = '' }) => {
        const answer = await shop.client.session.verify({ email, code })
        if (answer.isErr()) return explain(answer.error)
        shop.go(`#/login?created=1&email=${encodeURIComponent(email)}`)
        return null
      },
    ),
  )
  return { title: 'Enter your code', element }
}
