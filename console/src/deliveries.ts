import { api, enc } from './api.ts';
import { type Child, field, h, notice, replace, time } from './dom.ts';
import { actionButton, failure, heading, type Page, table } from './page.ts';
import { managesHooks, seesHooks } from './session.ts';
import type { AttemptView, HookView } from './types.ts';

/**
 * Deliveries: a hook's attempts (status, latency, error, response excerpt, next attempt),
 * "send a test" with its result (CoreOne's step 3), and the hook's dead letters with their reasons
 * and a redrive (staff, webhook admins). The event page shows one event's deliveries and the
 * tenant's dead letters.
 */
function attemptRows(attempts: AttemptView[]): Child[][] {
  return attempts.map((a) => [
    time(a.at),
    a.test ? `${a.type} (test)` : h('a', { href: `#/events/${enc(a.event_id)}` }, a.type),
    String(a.attempt),
    h('span', { class: `state ${a.result}` }, a.result),
    a.status === null ? '—' : String(a.status),
    `${a.latency_ms} ms`,
    a.error ?? '—',
    a.response ? h('details', {}, h('summary', {}, 'Response'), h('pre', {}, a.response)) : '—',
    time(a.next_attempt_at),
  ]);
}

const attemptHeaders = [
  'When',
  'Event',
  'Attempt',
  'Result',
  'HTTP status',
  'Latency',
  'Error',
  'Response (first 1 KB)',
  'Next attempt',
];

function describeAttempt(a: AttemptView): string {
  const answered = a.status === null ? 'no HTTP answer' : `HTTP ${a.status}`;
  return `${a.result === 'succeeded' ? 'succeeded' : 'failed'}: ${answered} in ${a.latency_ms} ms${a.error ? ` — ${a.error}` : ''}`;
}

export const deliveriesPage: Page = async (ctx) => {
  const hookId = ctx.params[0] ?? '';
  const status = h('div', { class: 'status-area' });
  replace(ctx.main, heading('Deliveries'), status);
  let hook: HookView;
  try {
    hook = await api<HookView>('GET', `/v1/hooks/${enc(hookId)}`);
  } catch (err) {
    replace(status, failure(err, 'Could not load the hook'));
    return;
  }
  const testResult = h('div', { class: 'status-area' });
  const attemptsRegion = h('div', {});
  const attempts: AttemptView[] = [];
  let cursor: string | null = null;

  const render = () => {
    replace(
      attemptsRegion,
      attempts.length === 0
        ? h('p', {}, 'No delivery attempts yet.')
        : table(`Attempts to ${hook.name}, newest event first`, attemptHeaders, attemptRows(attempts)),
      cursor && actionButton('Load older attempts', load),
    );
  };
  // A refresh while a load is in flight must not append the older answer too.
  let generation = 0;
  async function load(): Promise<void> {
    const mine = generation;
    try {
      const page = await api<{ attempts: AttemptView[]; next_cursor: string | null }>(
        'GET',
        `/v1/hooks/${enc(hook.id)}/deliveries?limit=25${cursor ? `&cursor=${enc(cursor)}` : ''}`,
      );
      if (mine !== generation) return;
      attempts.push(...page.attempts);
      cursor = page.next_cursor;
      render();
    } catch (err) {
      replace(status, failure(err, 'Could not list attempts'));
    }
  }
  const reload = async () => {
    generation++;
    attempts.length = 0;
    cursor = null;
    await load();
  };

  ctx.main.append(
    h(
      'p',
      {},
      'Hook ',
      h('a', { href: `#/hooks/${enc(hook.id)}` }, hook.name),
      ` — ${hook.method} `,
      h('span', { class: 'url' }, hook.url),
    ),
    h(
      'div',
      { class: 'actions' },
      actionButton('Send a test', async () => {
        replace(testResult, notice('info', 'Sending test.ping …'));
        try {
          const attempt = await api<AttemptView>('POST', `/v1/hooks/${enc(hook.id)}/test`);
          replace(
            testResult,
            notice(
              attempt.result === 'succeeded' ? 'ok' : 'error',
              h('p', {}, `Test delivery ${describeAttempt(attempt)}`),
              attempt.response && h('pre', {}, attempt.response),
            ),
          );
          await reload();
        } catch (err) {
          replace(testResult, failure(err, 'The test was not sent'));
        }
      }),
      actionButton('Refresh', reload),
    ),
    testResult,
    h(
      'section',
      { 'aria-labelledby': 'attempts-h' },
      h('h2', { id: 'attempts-h' }, 'Attempts'),
      attemptsRegion,
    ),
    deadLettersSection(hook.id, seesHooks(ctx.session)),
  );
  await load();
};

interface DeadLetterView {
  id: string;
  hook_id: string;
  delivery_id: string;
  event_id: string;
  type: string;
  reason: string;
  attempts: number;
  failed_at: string;
  followed_by: string[];
}

/**
 * Dead letters (GET /v1/dead-letters, newest first): deliveries that failed for good, each with
 * its reason; a redrive (POST /v1/dead-letters/redrive) re-enqueues one, or all of the hook's (or
 * tenant's), keeping its webhook-id.
 */
function deadLettersSection(hookId: string | undefined, canRedrive: boolean): HTMLElement {
  const region = h('div', {});
  const result = h('div', { class: 'status-area' });
  const letters: DeadLetterView[] = [];
  let cursor: string | null = null;
  const query = (more: boolean) =>
    `/v1/dead-letters?limit=25${hookId ? `&hook_id=${enc(hookId)}` : ''}${more && cursor ? `&cursor=${enc(cursor)}` : ''}`;
  const redrive = async (body: { hook_id?: string; ids?: string[] }, what: string) => {
    try {
      const r = await api<{ redriven: number; not_found: string[]; more: boolean }>(
        'POST',
        '/v1/dead-letters/redrive',
        body,
      );
      replace(
        result,
        notice(
          'ok',
          `${what}: ${r.redriven} re-enqueued${r.not_found.length ? `, ${r.not_found.length} no longer dead letters` : ''}${r.more ? '; more are left, redrive again' : ''}.`,
        ),
      );
      await reload();
    } catch (err) {
      replace(result, failure(err, 'Redrive failed'));
    }
  };
  const render = () => {
    const rows = letters.map((d) => [
      time(d.failed_at),
      h('a', { href: `#/events/${enc(d.event_id)}` }, d.type),
      hookId ? null : h('a', { href: `#/hooks/${enc(d.hook_id)}/deliveries` }, d.hook_id),
      String(d.attempts),
      d.reason,
      d.followed_by.length ? `${d.followed_by.length} ordered deliveries went out after it` : '—',
      canRedrive
        ? actionButton('Redrive', () =>
            redrive(hookId ? { hook_id: hookId, ids: [d.id] } : { ids: [d.id] }, `Delivery ${d.delivery_id}`),
          )
        : '—',
    ]);
    const headers = [
      'Failed',
      'Event',
      ...(hookId ? [] : ['Hook']),
      'Attempts',
      'Reason',
      'Ordering',
      'Redrive',
    ];
    replace(
      region,
      letters.length === 0
        ? h('p', {}, 'No dead letters.')
        : table(
            hookId ? 'Dead letters of this hook, newest first' : 'Dead letters of the tenant, newest first',
            headers,
            rows.map((r) => r.filter((cell) => cell !== null)),
          ),
      cursor && actionButton('Load older dead letters', () => load(true)),
    );
  };
  let generation = 0;
  async function load(more: boolean): Promise<void> {
    const mine = generation;
    try {
      const page = await api<{ dead_letters: DeadLetterView[]; next_cursor: string | null }>(
        'GET',
        query(more),
      );
      if (mine !== generation) return;
      letters.push(...page.dead_letters);
      cursor = page.next_cursor;
      render();
    } catch (err) {
      replace(region, failure(err, 'Could not list dead letters'));
    }
  }
  async function reload(): Promise<void> {
    generation++;
    letters.length = 0;
    cursor = null;
    await load(false);
  }
  void load(false);
  return h(
    'section',
    { 'aria-labelledby': hookId ? 'dead-h' : 'all-dead-h' },
    h('h2', { id: hookId ? 'dead-h' : 'all-dead-h' }, hookId ? 'Dead letters' : 'Dead letters of the tenant'),
    h(
      'p',
      {},
      'Deliveries that failed for good (a permanent error, retries exhausted, or the hook disabled or deleted), with the reason. A redrive sends them again with the same webhook-id.',
    ),
    region,
    canRedrive &&
      actionButton(hookId ? 'Redrive all of this hook’s dead letters' : 'Redrive all dead letters', () =>
        redrive(hookId ? { hook_id: hookId } : {}, 'Redrive'),
      ),
    actionButton('Refresh dead letters', reload),
    result,
  );
}

/** One event: its deliveries and their attempts; with no id, a form to look one up. */
export const eventPage: Page = async (ctx) => {
  const eventId = ctx.params[0];
  const status = h('div', { class: 'status-area' });
  const lookup = h('input', { type: 'text', name: 'event_id', value: eventId ?? '', autocomplete: 'off' });
  const form = h(
    'form',
    { class: 'inline' },
    field('Event id', lookup, 'The event_id POST /v1/events answered, e.g. evt_…'),
    h('button', { type: 'submit' }, 'Show'),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    location.hash = `#/events/${enc(lookup.value.trim())}`;
  });
  replace(ctx.main, heading('Event deliveries'), form, status);
  if (managesHooks(ctx.session)) ctx.main.append(deadLettersSection(undefined, true));
  if (!eventId) return;
  try {
    const event = await api<{
      event_id: string;
      type: string;
      scope: string | null;
      received_at: string;
      deliveries: { delivery_id: string; hook_id: string; state: string; attempts: AttemptView[] }[];
    }>('GET', `/v1/events/${enc(eventId)}`);
    status.after(
      h(
        'p',
        {},
        `${event.type}${event.scope ? ` (scope ${event.scope})` : ''}, received `,
        time(event.received_at),
        `: ${event.deliveries.length} deliver${event.deliveries.length === 1 ? 'y' : 'ies'}.`,
      ),
      ...event.deliveries.map((d) =>
        h(
          'section',
          { class: 'delivery' },
          h(
            'h2',
            {},
            'To hook ',
            h('a', { href: `#/hooks/${enc(d.hook_id)}/deliveries` }, d.hook_id),
            ' — ',
            h('span', { class: `state ${d.state}` }, d.state),
          ),
          d.attempts.length
            ? table(`Attempts of delivery ${d.delivery_id}`, attemptHeaders, attemptRows(d.attempts))
            : h('p', {}, 'Queued, not attempted yet.'),
        ),
      ),
    );
  } catch (err) {
    replace(status, failure(err, 'Could not load the event'));
  }
};
