import { ApiError, api, enc } from './api.ts';
import { field, h, notice, replace, time } from './dom.ts';
import { actionButton, failure, heading, type Page, table } from './page.ts';
import { isAdmin, managesServices } from './session.ts';
import type { ControlsView, ServiceView, TargetResult } from './types.ts';

const INTERLOCK_TAG = 'has_interlock';

/** Services (instruments) with their tags; staff toggle `has_interlock` (the "Manual Tag Wizard"). */
export const servicesPage: Page = async (ctx) => {
  const status = h('div', { class: 'status-area' });
  const body = h('div', {});
  replace(
    ctx.main,
    heading('Services'),
    h('p', {}, 'Instruments and their tags. The has_interlock tag turns on their interlock controls.'),
    status,
    body,
  );
  const staff = managesServices(ctx.session);
  const render = async () => {
    let list: ServiceView[];
    try {
      list = (await api<{ services: ServiceView[] }>('GET', '/v1/services?limit=100')).services;
    } catch (err) {
      replace(status, failure(err, 'Could not list services'));
      return;
    }
    replace(
      body,
      list.length === 0
        ? h('p', {}, 'No services yet.')
        : table(
            `${list.length} service${list.length === 1 ? '' : 's'}`,
            ['Service', 'Id', 'Tags', 'Interlock'],
            list.map((s) => [
              h('a', { href: `#/services/${enc(s.id)}` }, s.name),
              h('code', {}, s.id),
              s.tags.join(', ') || '—',
              staff
                ? h(
                    'button',
                    {
                      type: 'button',
                      'aria-pressed': String(s.has_interlock),
                      'aria-label': `Interlock controls for ${s.name}`,
                      onclick: async () => {
                        const tags = s.has_interlock
                          ? s.tags.filter((t) => t !== INTERLOCK_TAG)
                          : [...s.tags, INTERLOCK_TAG];
                        try {
                          await api('PUT', `/v1/services/${enc(s.id)}`, { name: s.name, tags });
                          replace(
                            status,
                            notice(
                              'ok',
                              `Interlock controls for ${s.name} are now ${s.has_interlock ? 'off' : 'on'}.`,
                            ),
                          );
                        } catch (err) {
                          replace(status, failure(err, `Could not change ${s.name}`));
                        }
                        await render();
                      },
                    },
                    s.has_interlock ? 'On' : 'Off',
                  )
                : s.has_interlock
                  ? 'On'
                  : 'Off',
            ]),
          ),
    );
  };
  if (staff) {
    const id = h('input', { type: 'text', name: 'service_id', required: true, autocomplete: 'off' });
    const name = h('input', { type: 'text', name: 'service_name', required: true, autocomplete: 'off' });
    const tags = h('input', { type: 'text', name: 'service_tags', autocomplete: 'off' });
    const form = h(
      'form',
      { 'aria-labelledby': 'svc-h' },
      h('h2', { id: 'svc-h' }, 'Add or replace a service'),
      field('Service id', id, 'As the resource system names it, e.g. nmr-600.'),
      field('Name', name),
      field('Tags', tags, 'Comma-separated; add has_interlock for interlock controls.'),
      h('button', { type: 'submit' }, 'Save service'),
    );
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      try {
        const saved = await api<ServiceView>('PUT', `/v1/services/${enc(id.value.trim())}`, {
          name: name.value,
          tags: tags.value
            .split(',')
            .map((t) => t.trim())
            .filter(Boolean),
        });
        replace(status, notice('ok', `Saved ${saved.name}.`));
        form.reset();
        await render();
      } catch (err) {
        replace(status, failure(err, 'The service was not saved'));
      }
    });
    ctx.main.append(form);
  }
  await render();
};

function targetList(targets: TargetResult[] | undefined) {
  if (!targets?.length) return null;
  return h(
    'ul',
    {},
    targets.map((t) =>
      h(
        'li',
        {},
        `${t.name ?? t.hook_id}: `,
        t.ok === false ? `failed — ${t.error ?? `HTTP ${t.status}`}` : `HTTP ${t.status ?? '—'}`,
        ` (${t.latency_ms} ms)`,
      ),
    ),
  );
}

/**
 * The interlock panel of one service: lock, unlock and status buttons only when
 * GET /v1/interlocks/{id} says they are visible to the signed-in person, with the window stated;
 * a failed call shows the reason the API gives; the audit trail for admins.
 */
export const interlockPage: Page = async (ctx) => {
  const serviceId = ctx.params[0] ?? '';
  const status = h('div', { class: 'status-area' });
  replace(ctx.main, heading(`Interlock — ${serviceId}`), status);
  let service: ServiceView | undefined;
  let controls: ControlsView;
  try {
    service = await api<ServiceView>('GET', `/v1/services/${enc(serviceId)}`);
    ctx.main.querySelector('h1')!.textContent = `Interlock — ${service.name}`;
    controls = await api<ControlsView>('GET', `/v1/interlocks/${enc(serviceId)}`);
  } catch (err) {
    replace(
      status,
      failure(err, service ? 'Interlock controls are not available' : 'Could not load the service'),
    );
    return;
  }
  const result = h('div', { class: 'status-area', id: 'interlock-result' });
  const windowText = controls.window
    ? h(
        'p',
        { class: 'window' },
        controls.visible ? 'Your window: ' : 'Your next window: ',
        time(controls.window.from),
        ' to ',
        time(controls.window.to),
        ' (5 minutes before your booking starts until 30 minutes after it ends).',
      )
    : null;
  if (!controls.visible) {
    ctx.main.append(
      h(
        'section',
        { 'aria-labelledby': 'controls-h' },
        h('h2', { id: 'controls-h' }, 'Interlock controls'),
        notice(
          'info',
          h('p', {}, `Interlock controls are not available to you now: ${controls.reason}.`),
          windowText,
        ),
      ),
    );
  } else {
    const run = (action: 'lock' | 'unlock' | 'status') => async () => {
      replace(
        result,
        notice(
          'info',
          `${action === 'status' ? 'Querying status' : `${action === 'lock' ? 'Locking' : 'Unlocking'}`} …`,
        ),
      );
      try {
        if (action === 'status') {
          const r = await api<{ status: string; target: TargetResult }>(
            'GET',
            `/v1/interlocks/${enc(serviceId)}/status`,
          );
          replace(
            result,
            notice(
              'ok',
              h(
                'p',
                {},
                `Status: ${r.status}`,
                ` (from ${r.target.name ?? r.target.hook_id}, ${r.target.latency_ms} ms)`,
              ),
            ),
          );
        } else {
          const r = await api<{ targets: TargetResult[] }>(
            'POST',
            `/v1/interlocks/${enc(serviceId)}/${action}`,
          );
          replace(
            result,
            notice(
              'ok',
              h(
                'p',
                {},
                `${action === 'lock' ? 'Locked' : 'Unlocked'}: ${r.targets.length} target${r.targets.length === 1 ? '' : 's'} answered.`,
              ),
              targetList(r.targets),
            ),
          );
        }
      } catch (err) {
        const targets =
          err instanceof ApiError
            ? (err.body as { targets?: TargetResult[] } | undefined)?.targets
            : undefined;
        replace(
          result,
          failure(
            err,
            `${action === 'status' ? 'Status query' : action === 'lock' ? 'Lock' : 'Unlock'} failed`,
          ),
        );
        result.firstElementChild?.append(targetList(targets) ?? '');
      }
      if (isAdmin(ctx.session)) await renderAudit();
    };
    ctx.main.append(
      h(
        'section',
        { 'aria-labelledby': 'controls-h' },
        h('h2', { id: 'controls-h' }, 'Interlock controls'),
        h('p', {}, controls.reason.charAt(0).toUpperCase() + controls.reason.slice(1), '.'),
        windowText,
        h(
          'div',
          { class: 'actions interlock' },
          actionButton('Lock', run('lock')),
          actionButton('Unlock', run('unlock')),
          actionButton('Query lock status', run('status')),
        ),
        controls.targets &&
          h(
            'p',
            { class: 'hint' },
            `Targets: ${controls.targets.lock} lock, ${controls.targets.unlock} unlock, ${controls.targets.status} status.`,
          ),
        result,
      ),
    );
  }
  const auditRegion = h('div', {});
  const renderAudit = async () => {
    try {
      const audit = await api<{
        entries: {
          at: string;
          who: string;
          action: string;
          result: string;
          http_status: number;
          message?: string;
          latency_ms: number;
        }[];
      }>('GET', `/v1/interlocks/${enc(serviceId)}/audit?limit=50`);
      replace(
        auditRegion,
        audit.entries.length === 0
          ? h('p', {}, 'No interlock calls yet.')
          : table(
              'Interlock calls, newest first',
              ['When', 'Who', 'Action', 'Result', 'HTTP status', 'Message', 'Latency'],
              audit.entries.map((e) => [
                time(e.at),
                e.who,
                e.action,
                h('span', { class: `state ${e.result}` }, e.result),
                String(e.http_status),
                e.message ?? '—',
                `${e.latency_ms} ms`,
              ]),
            ),
      );
    } catch (err) {
      replace(auditRegion, failure(err, 'Could not load the audit trail'));
    }
  };
  if (isAdmin(ctx.session)) {
    ctx.main.append(
      h('section', { 'aria-labelledby': 'audit-h' }, h('h2', { id: 'audit-h' }, 'Audit trail'), auditRegion),
    );
    await renderAudit();
  }
};
