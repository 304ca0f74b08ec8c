import { configureApi } from './api.ts';
import { type ConsoleConfig, loadConfig } from './config.ts';
import { deliveriesPage, eventPage } from './deliveries.ts';
import { field, h, notice, replace } from './dom.ts';
import { hookFormPage, hooksPage } from './hooks.ts';
import { failure, heading, type Page } from './page.ts';
import { authorizeUrl, challengeFor, logoutUrl, randomVerifier, tokenRequestBody } from './pkce.ts';
import { interlockPage, servicesPage } from './services.ts';
import {
  clearSession,
  currentSession,
  roleNames,
  type Session,
  seesHooks,
  sessionFromToken,
  storeToken,
} from './session.ts';

/** The Latchkey staff console: sign-in, navigation, and a hash router over the pages. */
const routes: [RegExp, Page][] = [
  [/^#\/hooks\/new$/, hookFormPage],
  [/^#\/hooks\/([^/]+)\/deliveries$/, deliveriesPage],
  [/^#\/hooks\/([^/]+)$/, hookFormPage],
  [/^#\/hooks$/, hooksPage],
  [/^#\/events(?:\/([^/]+))?$/, eventPage],
  [/^#\/services\/([^/]+)$/, interlockPage],
  [/^#\/services$/, servicesPage],
];

const PKCE_KEY = 'latchkey.pkce';
let config: ConsoleConfig;
const main = document.getElementById('main') as HTMLElement;
const nav = document.getElementById('nav') as HTMLElement;
const who = document.getElementById('who') as HTMLElement;

function renderChrome(session: Session | undefined): void {
  replace(
    nav,
    session &&
      h(
        'ul',
        {},
        seesHooks(session) && h('li', {}, h('a', { href: '#/hooks' }, 'Hooks')),
        seesHooks(session) && h('li', {}, h('a', { href: '#/events' }, 'Events')),
        h('li', {}, h('a', { href: '#/services' }, 'Services & interlocks')),
      ),
  );
  replace(
    who,
    session && [
      h(
        'span',
        {},
        'Signed in as ',
        h('strong', {}, session.sub),
        ` (${session.tenant}; ${[...session.roles].join(', ') || 'no roles'})`,
      ),
      h('button', { type: 'button', onclick: signOut }, 'Sign out'),
    ],
  );
  for (const link of nav.querySelectorAll('a')) {
    if (location.hash.startsWith(link.getAttribute('href') ?? '-')) link.setAttribute('aria-current', 'page');
  }
}

function signOut(): void {
  clearSession();
  if (config.mode === 'cognito') {
    location.assign(logoutUrl(config));
    return;
  }
  location.hash = '';
  void route();
}

function signInPage(message?: string): void {
  renderChrome(undefined);
  const parts: (HTMLElement | false | undefined)[] = [
    heading('Sign in to Latchkey'),
    message ? notice('error', message) : undefined,
  ];
  if (config.mode === 'cognito') {
    const cognito = config;
    parts.push(
      h('p', {}, 'Sign in with your facility account.'),
      h(
        'button',
        {
          type: 'button',
          class: 'primary',
          onclick: async () => {
            const verifier = randomVerifier();
            const state = randomVerifier();
            sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state }));
            location.assign(authorizeUrl(cognito, state, await challengeFor(verifier)));
          },
        },
        'Sign in',
      ),
    );
  }
  if (config.mode === 'local') parts.push(localSignIn());
  if (config.mode !== 'cognito') parts.push(pasteToken());
  replace(main, ...parts);
  main.querySelector('h1')?.focus();
}

/** Local mode only: the local API mints a token for any tenant and roles (never deployed). */
function localSignIn(): HTMLElement {
  const tenant = h('input', {
    type: 'text',
    name: 'tenant',
    value: 'acme',
    required: true,
    autocomplete: 'off',
  });
  const sub = h('input', { type: 'text', name: 'sub', value: 'ada', required: true, autocomplete: 'off' });
  const boxes = roleNames.map((r) =>
    h('input', { type: 'checkbox', name: 'roles', value: r, checked: r === 'admin' }),
  );
  const status = h('div', { class: 'status-area' });
  const form = h(
    'form',
    { 'aria-labelledby': 'local-h' },
    h('h2', { id: 'local-h' }, 'Local sign-in'),
    h('p', { class: 'hint' }, 'Local mode only: mints a token as npm run token does.'),
    field('Tenant', tenant),
    field('User id (token subject)', sub),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Roles'),
      h(
        'div',
        { class: 'checks' },
        boxes.map((b) => field(b.value, b)),
      ),
    ),
    h('button', { type: 'submit', class: 'primary' }, 'Sign in locally'),
    status,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const res = await fetch('local-token', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          tenant: tenant.value.trim(),
          sub: sub.value.trim(),
          roles: boxes.filter((b) => b.checked).map((b) => b.value),
        }),
      });
      const body = (await res.json()) as { token?: string; message?: string };
      if (!res.ok || !body.token) throw new Error(body.message ?? `HTTP ${res.status}`);
      signIn(body.token);
    } catch (err) {
      replace(status, failure(err, 'Local sign-in failed'));
    }
  });
  return form;
}

function pasteToken(): HTMLElement {
  const token = h('textarea', {
    name: 'token',
    rows: 4,
    required: true,
    spellcheck: false,
    autocomplete: 'off',
  });
  const status = h('div', { class: 'status-area' });
  const form = h(
    'form',
    { 'aria-labelledby': 'paste-h' },
    h('h2', { id: 'paste-h' }, 'Sign in with a token'),
    field(
      'Bearer token',
      token,
      config.mode === 'local'
        ? 'From npm run --silent token -- --tenant acme --roles admin'
        : 'An ID token from your identity provider.',
    ),
    h('button', { type: 'submit' }, 'Use this token'),
    status,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const session = sessionFromToken(token.value);
    if (typeof session === 'string') replace(status, notice('error', session));
    else signIn(token.value);
  });
  return form;
}

function signIn(token: string): void {
  storeToken(token);
  const session = currentSession();
  if (location.hash === '' || location.hash === '#/')
    location.hash = session && seesHooks(session) ? '#/hooks' : '#/services';
  else void route();
}

/** Back from the hosted UI with ?code&state: exchange the code (PKCE) for tokens. */
async function completeAuthorization(): Promise<string | undefined> {
  const query = new URLSearchParams(location.search);
  const code = query.get('code');
  if (config.mode !== 'cognito' || (!code && !query.get('error'))) return undefined;
  history.replaceState(null, '', location.pathname + location.hash);
  if (!code) return `Sign-in failed: ${query.get('error_description') ?? query.get('error')}`;
  const saved = JSON.parse(sessionStorage.getItem(PKCE_KEY) ?? '{}') as { verifier?: string; state?: string };
  sessionStorage.removeItem(PKCE_KEY);
  if (!saved.verifier || saved.state !== query.get('state'))
    return 'Sign-in failed: the answer did not match this browser’s request; try again.';
  const res = await fetch(`${config.authDomain}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: tokenRequestBody(config, code, saved.verifier),
  });
  const body = (await res.json()) as { id_token?: string; error?: string };
  if (!res.ok || !body.id_token) return `Sign-in failed: ${body.error ?? `HTTP ${res.status}`}`;
  storeToken(body.id_token);
  return undefined;
}

async function route(): Promise<void> {
  const session = currentSession();
  if (!session) {
    signInPage();
    return;
  }
  if (location.hash === '' || location.hash === '#/') {
    location.replace(seesHooks(session) ? '#/hooks' : '#/services');
    return;
  }
  renderChrome(session);
  const [path, search] = location.hash.split('?') as [string, string | undefined];
  const found = routes.map(([pattern, page]) => [pattern.exec(path), page] as const).find(([m]) => m);
  if (!found) {
    replace(main, heading('Not found'), h('p', {}, 'No such page. ', h('a', { href: '#/hooks' }, 'Hooks')));
  } else {
    const [match, page] = found;
    const params = match!
      .slice(1)
      .filter((p): p is string => p !== undefined)
      .map(decodeURIComponent);
    try {
      await page({ session, main, params, query: new URLSearchParams(search ?? '') });
    } catch (err) {
      main.append(failure(err));
    }
  }
  main.querySelector('h1')?.focus();
}

async function start(): Promise<void> {
  try {
    config = await loadConfig();
  } catch (err) {
    replace(main, heading('Latchkey console'), failure(err, 'The console could not load its configuration'));
    return;
  }
  configureApi(config.apiUrl, () => signInPage('Your sign-in has expired or was refused; sign in again.'));
  const problem = await completeAuthorization();
  if (problem) {
    signInPage(problem);
    return;
  }
  // The skip link must not change the hash (the router owns it): it moves focus instead.
  document.querySelector('.skip')?.addEventListener('click', (e) => {
    e.preventDefault();
    main.focus();
  });
  window.addEventListener('hashchange', () => void route());
  await route();
}

void start();
