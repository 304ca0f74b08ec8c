import { ApiError, api, enc } from './api.ts';
import { field, h, notice, replace } from './dom.ts';
import { actionButton, confirmDialog, failure, heading, type Page, type PageContext, table } from './page.ts';
import { managesGrants, managesHooks } from './session.ts';
import type { HookView } from './types.ts';

/**
 * The Service Webhook Manager: hooks with their state, create / edit every field, enable /
 * disable, delete with confirmation. Credentials are write-only, as in the API: the form shows
 * whether one is set and sends a value only when one is typed.
 */
export const hooksPage: Page = async (ctx) => {
  const status = h('div', { class: 'status-area' });
  const body = h('div', {});
  replace(
    ctx.main,
    heading('Hooks'),
    h(
      'p',
      {},
      'Webhooks of tenant ',
      h('strong', {}, ctx.session.tenant),
      ': who gets which events, and how.',
    ),
    managesHooks(ctx.session) && h('p', {}, h('a', { href: '#/hooks/new', class: 'button' }, 'New hook')),
    status,
    body,
  );
  const hooks: HookView[] = [];
  let cursor: string | null = null;
  const render = () => {
    if (hooks.length === 0) {
      replace(body, h('p', {}, 'No hooks yet.'));
      return;
    }
    replace(
      body,
      table(
        `${hooks.length} hook${hooks.length === 1 ? '' : 's'}`,
        ['Name', 'State', 'Events', 'Scope', 'Target', 'Actions'],
        hooks.map((hook) => [
          h('a', { href: `#/hooks/${enc(hook.id)}` }, hook.name),
          h(
            'span',
            { class: hook.enabled ? 'state on' : 'state off' },
            hook.enabled ? 'Enabled' : 'Disabled',
          ),
          hook.events.join(', '),
          hook.scope ?? 'all',
          h('span', { class: 'url' }, `${hook.method} ${hook.url}`),
          h(
            'div',
            { class: 'actions' },
            h(
              'a',
              { href: `#/hooks/${enc(hook.id)}/deliveries` },
              'Deliveries',
              h('span', { class: 'sr' }, ` of ${hook.name}`),
            ),
            actionButton(
              hook.enabled ? 'Disable' : 'Enable',
              async () => {
                try {
                  const updated = await api<HookView>('PATCH', `/v1/hooks/${enc(hook.id)}`, {
                    enabled: !hook.enabled,
                  });
                  Object.assign(hook, updated);
                  replace(
                    status,
                    notice('ok', `${hook.name} is now ${hook.enabled ? 'enabled' : 'disabled'}.`),
                  );
                  render();
                } catch (err) {
                  replace(status, failure(err, `Could not change ${hook.name}`));
                }
              },
              { 'aria-label': `${hook.enabled ? 'Disable' : 'Enable'} ${hook.name}` },
            ),
            managesHooks(ctx.session) &&
              actionButton(
                'Delete',
                async () => {
                  if (
                    !(await confirmDialog(
                      `Delete the hook “${hook.name}”? Its credentials are deleted too.`,
                      'Delete hook',
                    ))
                  )
                    return;
                  try {
                    await api('DELETE', `/v1/hooks/${enc(hook.id)}`);
                    hooks.splice(hooks.indexOf(hook), 1);
                    replace(status, notice('ok', `${hook.name} was deleted.`));
                    render();
                  } catch (err) {
                    replace(status, failure(err, `Could not delete ${hook.name}`));
                  }
                },
                { class: 'danger', 'aria-label': `Delete ${hook.name}` },
              ),
          ),
        ]),
      ),
      cursor && actionButton('Load more hooks', load),
    );
  };
  async function load(): Promise<void> {
    try {
      const page = await api<{ hooks: HookView[]; next_cursor: string | null }>(
        'GET',
        `/v1/hooks?limit=50${cursor ? `&cursor=${enc(cursor)}` : ''}`,
      );
      hooks.push(...page.hooks);
      cursor = page.next_cursor;
      render();
    } catch (err) {
      replace(status, failure(err, 'Could not list hooks'));
    }
  }
  await load();
};

const methods = ['POST', 'PUT', 'PATCH', 'GET', 'DELETE'];
const profiles = [
  ['none', 'None'],
  ['standard', 'Standard Webhooks (whsec_… secret)'],
  ['coreone', 'CoreOne for Labs (X-Coreone-Webhook-Hash)'],
  ['placeos', 'PlaceOS (timestamp + signature in the body)'],
] as const;

function input(attrs: Record<string, string | number | boolean | undefined>): HTMLInputElement {
  return h('input', { type: 'text', ...attrs });
}

function select(
  name: string,
  options: readonly (readonly [string, string])[],
  value: string,
): HTMLSelectElement {
  return h(
    'select',
    { name },
    options.map(([v, label]) => h('option', { value: v, selected: v === value }, label)),
  );
}

/** `Name: value` lines ⇄ a header map. */
const headerLines = (headers: Record<string, string>) =>
  Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n');

function parseHeaderLines(text: string, field: string, errors: { field: string; message: string }[]) {
  const out: Record<string, string> = {};
  for (const [i, line] of text.split('\n').entries()) {
    if (!line.trim()) continue;
    const at = line.indexOf(':');
    if (at <= 0) {
      errors.push({ field, message: `line ${i + 1} is not "Name: value"` });
      continue;
    }
    out[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return out;
}

function newSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return `whsec_${btoa(String.fromCharCode(...bytes))}`;
}

/** Create (no id) or edit a hook: every field of the API, grouped as the resource system's manager does. */
export const hookFormPage: Page = async (ctx) => {
  const id = ctx.params[0];
  const status = h('div', { class: 'status-area' });
  replace(ctx.main, heading(id ? 'Edit hook' : 'New hook'), status);
  let hook: HookView | undefined;
  let catalog: { name: string; built_in: boolean }[] = [];
  try {
    [hook, catalog] = await Promise.all([
      id ? api<HookView>('GET', `/v1/hooks/${enc(id)}`) : Promise.resolve(undefined),
      api<{ event_types: { name: string; built_in: boolean }[] }>('GET', '/v1/event-types').then(
        (r) => r.event_types,
      ),
    ]);
  } catch (err) {
    replace(status, failure(err, 'Could not load the hook'));
    return;
  }
  const form = buildHookForm(ctx, hook, catalog, status);
  ctx.main.append(form);
  if (hook && managesGrants(ctx.session)) ctx.main.append(await grantsSection(hook));
};

function buildHookForm(
  ctx: PageContext,
  hook: HookView | undefined,
  catalog: { name: string; built_in: boolean }[],
  status: HTMLElement,
): HTMLFormElement {
  const name = input({ name: 'name', required: true, value: hook?.name ?? '', autocomplete: 'off' });
  const known = new Set(catalog.map((t) => t.name));
  const eventBoxes = catalog.map((t) =>
    h('input', {
      type: 'checkbox',
      name: 'events',
      value: t.name,
      checked: hook?.events.includes(t.name) ?? false,
    }),
  );
  const patterns = input({
    name: 'event_patterns',
    value: (hook?.events ?? []).filter((e) => !known.has(e)).join(', '),
  });
  const scope = input({ name: 'scope', value: hook?.scope ?? '' });
  const url = input({ name: 'url', type: 'url', required: true, value: hook?.url ?? '', inputmode: 'url' });
  const method = select(
    'method',
    methods.map((m) => [m, m] as const),
    hook?.method ?? 'POST',
  );
  const headers = h('textarea', { name: 'headers', rows: 3 }, headerLines(hook?.headers ?? {}));
  const authType = select(
    'auth_type',
    [
      ['none', 'None'],
      ['basic', 'Basic auth (username and password)'],
      ['headers', 'Authentication headers (sent instead of basic auth)'],
    ],
    hook?.auth.type ?? 'none',
  );
  const username = input({
    name: 'username',
    autocomplete: 'off',
    value: hook && hook.auth.type !== 'none' ? (hook.auth.username ?? '') : '',
  });
  const passwordSet = hook?.auth.type === 'basic' && hook.auth.password_set;
  const password = input({ name: 'password', type: 'password', autocomplete: 'new-password' });
  const authHeaderNames = hook?.auth.type === 'headers' ? hook.auth.authentication_header_names : [];
  const authHeaders = h('textarea', { name: 'auth_headers', rows: 2, autocomplete: 'off' });
  const data = h('textarea', { name: 'data', rows: 3 }, JSON.stringify(hook?.data ?? {}, null, 2));
  const insecure = h('input', {
    type: 'checkbox',
    name: 'insecure_tls',
    checked: hook?.insecure_tls ?? false,
  });
  const profile = select('signing_profile', profiles, hook?.signing.profile ?? 'none');
  const secret = input({ name: 'signing_secret', type: 'password', autocomplete: 'new-password' });
  const overlap = input({
    name: 'overlap_seconds',
    type: 'number',
    min: 0,
    max: 604800,
    placeholder: '86400',
  });
  const kind = select(
    'device_kind',
    [
      ['webhook', 'Webhook (JSON)'],
      ['shelly', 'Shelly Gen2+ relay'],
      ['tasmota', 'Tasmota relay'],
    ],
    hook?.device.kind ?? 'webhook',
  );
  const channel = input({
    name: 'device_channel',
    type: 'number',
    min: 0,
    max: 15,
    value: hook?.device.channel ?? 0,
  });
  const onMeans = select(
    'device_on_means',
    [
      ['unlocked', 'Energised means unlocked'],
      ['locked', 'Energised means locked'],
    ],
    hook?.device.on_means ?? 'unlocked',
  );
  const timeout = input({
    name: 'timeout_ms',
    type: 'number',
    min: 100,
    max: 30000,
    value: hook?.timeout_ms ?? '',
  });
  const enabled = h('input', { type: 'checkbox', name: 'enabled', checked: hook?.enabled ?? true });

  const basicFields = h(
    'div',
    {},
    field('Username', username),
    field(
      'Password',
      password,
      passwordSet
        ? 'A password is set. Leave empty to keep it; type a new one to replace it.'
        : 'Write-only: never shown again after saving.',
    ),
  );
  const headerFields = h(
    'div',
    {},
    field(
      'Authentication headers',
      authHeaders,
      authHeaderNames.length
        ? `Set: ${authHeaderNames.join(', ')}. Leave empty to keep them; “Name: value” lines replace them.`
        : '“Name: value”, one per line. Write-only: values are never shown again.',
    ),
  );
  const showAuth = () => {
    basicFields.hidden = authType.value !== 'basic';
    headerFields.hidden = authType.value !== 'headers';
  };
  authType.addEventListener('change', showAuth);
  showAuth();
  const tlsWarning = notice(
    'error',
    'Insecure TLS is on: certificate errors are ignored for this hook. Use it only for devices you control; prefer a valid certificate.',
  );
  const showTls = () => {
    tlsWarning.hidden = !insecure.checked;
  };
  insecure.addEventListener('change', showTls);
  showTls();

  const form = h(
    'form',
    { novalidate: true, 'aria-label': hook ? `Edit ${hook.name}` : 'New hook' },
    h(
      'fieldset',
      {},
      h('legend', {}, 'Hook'),
      field('Name', name),
      field(
        'Target URL',
        url,
        'https:// is assumed when no scheme is given; http:// is allowed with a warning.',
      ),
      field('HTTP method', method),
      field(
        'Scope',
        scope,
        'A service or project-template id: the hook fires only for events with that scope. Empty: every event of the tenant.',
      ),
      field('Enabled', enabled),
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Events'),
      h(
        'div',
        { class: 'checks' },
        eventBoxes.map((box, i) => field(catalog[i]!.name, box)),
      ),
      field('Other event patterns', patterns, 'Comma-separated wildcards such as order.*, accession/* or *.'),
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Request'),
      field('Headers', headers, '“Name: value”, one per line; names become dash-case (KeyName → key-name).'),
      field('Extra data (JSON object)', data, 'Merged into every payload; keys the event provides win.'),
      field('Timeout (ms)', timeout, '100–30000; empty for the default.'),
      field('Skip TLS certificate checks (insecure)', insecure, 'Discouraged: only for devices you control.'),
      tlsWarning,
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Authentication'),
      field('Authentication', authType),
      basicFields,
      headerFields,
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Signing'),
      field('Signing profile', profile),
      field(
        'Signing secret',
        secret,
        hook?.signing.secret_set
          ? `A secret is set. Leave empty to keep it; a new one rotates it (the old one keeps working for the overlap)${hook.signing.previous_secret_valid_until ? `; the previous secret is valid until ${hook.signing.previous_secret_valid_until}` : ''}.`
          : 'Write-only. Standard Webhooks secrets look like whsec_<base64>.',
      ),
      h(
        'button',
        {
          type: 'button',
          onclick: () => {
            secret.type = 'text';
            secret.value = newSecret();
            if (profile.value === 'none') profile.value = 'standard';
          },
        },
        'Generate a new secret',
      ),
      field(
        'Rotation overlap (seconds)',
        overlap,
        'How long the previous secret stays valid after a change; default 86400 (24 h).',
      ),
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Interlock device'),
      h(
        'p',
        { class: 'hint' },
        'Only for interlock targets (events interlock.lock / unlock / status with a service as scope).',
      ),
      field('Device kind', kind),
      field('Relay channel', channel),
      field('Relay output', onMeans),
    ),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit', class: 'primary' }, hook ? 'Save hook' : 'Create hook'),
      h('a', { href: '#/hooks' }, 'Cancel'),
    ),
  );
  // Webhook users may edit their granted hooks but not create: the API decides, the form follows.
  if (!hook && !managesHooks(ctx.session)) form.hidden = true;

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const errors: { field: string; message: string }[] = [];
    const events = [
      ...eventBoxes.filter((b) => b.checked).map((b) => b.value),
      ...patterns.value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ];
    let dataValue: unknown = {};
    try {
      dataValue = data.value.trim() ? JSON.parse(data.value) : {};
    } catch (err) {
      errors.push({ field: 'data', message: `is not valid JSON (${(err as Error).message})` });
    }
    const body: Record<string, unknown> = {
      name: name.value,
      events,
      scope: scope.value.trim() || null,
      url: url.value.trim(),
      method: method.value,
      headers: parseHeaderLines(headers.value, 'headers', errors),
      data: dataValue,
      insecure_tls: insecure.checked,
      enabled: enabled.checked,
      timeout_ms: timeout.value ? Number(timeout.value) : null,
      device: { kind: kind.value, channel: Number(channel.value || 0), on_means: onMeans.value },
    };
    if (authType.value === 'basic') {
      body.auth = {
        type: 'basic',
        username: username.value,
        ...(password.value ? { password: password.value } : {}),
      };
    } else if (authType.value === 'headers') {
      const given = parseHeaderLines(authHeaders.value, 'auth.headers', errors);
      body.auth = {
        type: 'headers',
        ...(Object.keys(given).length ? { headers: given } : {}),
        ...(username.value ? { username: username.value } : {}),
        ...(password.value ? { password: password.value } : {}),
      };
    } else {
      body.auth = { type: 'none' };
    }
    body.signing = {
      profile: profile.value,
      ...(secret.value ? { secret: secret.value } : {}),
      ...(overlap.value ? { overlap_seconds: Number(overlap.value) } : {}),
    };
    if (errors.length) {
      replace(status, failure(new ApiError(422, 'Please correct these fields', errors, undefined)));
      status.focus();
      return;
    }
    try {
      const saved = hook
        ? await api<HookView>('PUT', `/v1/hooks/${enc(hook.id)}`, body)
        : await api<HookView>('POST', '/v1/hooks', body);
      password.value = '';
      secret.value = '';
      sessionStorage.setItem(
        'latchkey.flash',
        JSON.stringify({
          message: `Saved “${saved.name}”.`,
          warnings: saved.warnings ?? [],
        }),
      );
      location.hash = `#/hooks/${enc(saved.id)}`;
      if (hook) window.dispatchEvent(new HashChangeEvent('hashchange'));
    } catch (err) {
      replace(status, failure(err, 'The hook was not saved'));
      markInvalid(form, err);
      (status.querySelector('[role=alert]') as HTMLElement | null)?.focus();
    }
  });
  const flash = sessionStorage.getItem('latchkey.flash');
  if (flash) {
    sessionStorage.removeItem('latchkey.flash');
    const { message, warnings } = JSON.parse(flash) as { message: string; warnings: string[] };
    replace(
      status,
      notice(
        'ok',
        message,
        warnings.length > 0 &&
          h(
            'ul',
            {},
            warnings.map((w) => h('li', {}, `Warning: ${w}`)),
          ),
      ),
    );
  }
  return form;
}

/** Marks the controls the API named (422) invalid, so assistive tech announces them. */
function markInvalid(form: HTMLFormElement, err: unknown): void {
  for (const control of form.querySelectorAll('[aria-invalid]')) control.removeAttribute('aria-invalid');
  if (!(err instanceof ApiError)) return;
  const byField: Record<string, string> = {
    'auth.password': 'password',
    'auth.headers': 'auth_headers',
    'auth.username': 'username',
    'signing.secret': 'signing_secret',
    'signing.profile': 'signing_profile',
    'signing.overlap_seconds': 'overlap_seconds',
  };
  for (const { field } of err.fieldErrors) {
    const top = field.split('.')[0] ?? field;
    const name =
      byField[field] ??
      (top === 'events' ? 'event_patterns' : top.startsWith('device') ? 'device_kind' : top);
    form.querySelector(`[name="${CSS.escape(name)}"]`)?.setAttribute('aria-invalid', 'true');
  }
}

/** Which webhook users (token subjects) may see this hook. */
async function grantsSection(hook: HookView): Promise<HTMLElement> {
  const section = h(
    'section',
    { 'aria-labelledby': 'grants-h' },
    h('h2', { id: 'grants-h' }, 'Webhook users'),
  );
  const list = h('div', {});
  const status = h('div', { class: 'status-area' });
  const principal = input({ name: 'principal', autocomplete: 'off' });
  const render = async () => {
    try {
      const { grants } = await api<{ grants: { principal_id: string }[] }>(
        'GET',
        `/v1/hooks/${enc(hook.id)}/grants`,
      );
      replace(
        list,
        grants.length === 0
          ? h('p', {}, 'Not granted to any webhook user.')
          : h(
              'ul',
              {},
              grants.map((g) =>
                h(
                  'li',
                  {},
                  g.principal_id,
                  ' ',
                  actionButton(
                    'Revoke',
                    async () => {
                      await api('DELETE', `/v1/hooks/${enc(hook.id)}/grants/${enc(g.principal_id)}`).catch(
                        (err) => replace(status, failure(err)),
                      );
                      await render();
                    },
                    { 'aria-label': `Revoke ${g.principal_id}` },
                  ),
                ),
              ),
            ),
      );
    } catch (err) {
      replace(status, failure(err, 'Could not list grants'));
    }
  };
  const form = h(
    'form',
    { class: 'inline' },
    field('Webhook user id (token subject)', principal),
    h('button', { type: 'submit' }, 'Grant'),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      await api('PUT', `/v1/hooks/${enc(hook.id)}/grants/${enc(principal.value.trim())}`);
      replace(status, notice('ok', `Granted to ${principal.value.trim()}.`));
      principal.value = '';
      await render();
    } catch (err) {
      replace(status, failure(err, 'Could not grant'));
    }
  });
  section.append(status, list, form);
  await render();
  return section;
}
