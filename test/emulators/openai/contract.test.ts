import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoOrganization, startOpenAIEmulator, type OpenAIEmulator } from '../../../src/emulators/openai/index.js';
import { describeWithContracts } from '../../support/contracts.js';
import { loadContract, type ContractCheck } from './contract.js';
import { rawRequest, type RawAnswer } from './raw-http.js';

const NOW = Date.UTC(2026, 2, 18, 14, 30); // a Wednesday
const MONTH_START = Date.UTC(2026, 2, 1) / 1000;
// Loaded on first use: without KEYWARDEN_CONTRACTS every suite below is skipped and nothing is read.
let loaded: ContractCheck | undefined;
const check: ContractCheck = (...args) => (loaded ??= loadContract().check)(...args);

function expectConforms(pathTemplate: string, method: string, answer: RawAnswer): void {
  const { schema, errors } = check(pathTemplate, method, answer.status, answer.body);
  expect(errors, `${method} ${pathTemplate} ${answer.status} against ${schema}: ${JSON.stringify(answer.body).slice(0, 300)}`).toEqual([]);
}

type ListBody = { data: Array<{ id: string }>; has_more: boolean; last_id: string | null; first_id: string | null };
type BucketsBody = { data: Array<{ start_time: number; results: unknown[] }>; has_more: boolean; next_page: string | null };

let e: OpenAIEmulator;
let active: string;

beforeAll(async () => {
  e = await startOpenAIEmulator({ now: () => NOW });
  seedDemoOrganization(e, { now: NOW });
  active = e.projects().find((p) => p.status === 'active')!.id;
});

afterAll(async () => {
  await e.close();
});

describeWithContracts('the contract check itself', () => {
  it('rejects an answer of the wrong shape, so the checks below can fail', () => {
    const wrong = { object: 'list', data: [{ id: 'proj_1', object: 'organization.project', created_at: 'yesterday' }], has_more: false };
    expect(check('/organization/projects', 'get', 200, wrong).errors).not.toEqual([]);
    expect(check('/organization/costs', 'get', 429, { error: { message: 'slow down' } }).errors).not.toEqual([]);
  });
});

describeWithContracts('projects', () => {
  it('pages through every project, archived included, each page conforming', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 10; page++) {
      const answer = await rawRequest(e, 'GET', `/organization/projects?limit=2&include_archived=true${after ? `&after=${after}` : ''}`);
      expectConforms('/organization/projects', 'get', answer);
      const body = answer.body as ListBody;
      seen.push(...body.data.map((p) => p.id));
      expect(body.first_id).toBe(body.data[0]?.id ?? null);
      expect(body.last_id).toBe(body.data.at(-1)?.id ?? null);
      if (!body.has_more) break;
      after = body.last_id;
    }
    expect(seen).toEqual(e.projects().map((p) => p.id));
  });

  it('leaves archived projects out unless asked', async () => {
    const answer = await rawRequest(e, 'GET', '/organization/projects');
    expectConforms('/organization/projects', 'get', answer);
    const names = (answer.body as { data: Array<{ name: string; status: string }> }).data.map((p) => p.status);
    expect(names).not.toContain('archived');
    expect(names.length).toBe(e.projects().filter((p) => p.status === 'active').length);
  });

  it('creates, retrieves, renames and archives a project', async () => {
    const created = await rawRequest(e, 'POST', '/organization/projects', { body: { name: 'Contract Check' } });
    expectConforms('/organization/projects', 'post', created);
    const id = (created.body as { id: string }).id;
    expect(id).toMatch(/^proj_/);
    expect(created.body).toMatchObject({ name: 'Contract Check', status: 'active', archived_at: null, created_at: NOW / 1000 });

    expectConforms('/organization/projects/{project_id}', 'get', await rawRequest(e, 'GET', `/organization/projects/${id}`));
    const renamed = await rawRequest(e, 'POST', `/organization/projects/${id}`, { body: { name: 'Contract Check 2' } });
    expectConforms('/organization/projects/{project_id}', 'post', renamed);
    expect(renamed.body).toMatchObject({ name: 'Contract Check 2' });

    const archived = await rawRequest(e, 'POST', `/organization/projects/${id}/archive`);
    expectConforms('/organization/projects/{project_id}/archive', 'post', archived);
    expect(archived.body).toMatchObject({ status: 'archived', archived_at: NOW / 1000 });
    expect(e.project(id)?.status).toBe('archived');
  });

  it('answers 400 for a missing name and for a bad limit, and 404 for an unknown project', async () => {
    const noName = await rawRequest(e, 'POST', '/organization/projects', { body: {} });
    expect(noName.status).toBe(400);
    expectConforms('/organization/projects', 'post', noName);
    expect(noName.body).toMatchObject({ error: { param: 'name' } });

    const badLimit = await rawRequest(e, 'GET', '/organization/projects?limit=0');
    expect(badLimit.status).toBe(400);
    expectConforms('/organization/projects', 'get', badLimit);

    const unknown = await rawRequest(e, 'GET', '/organization/projects/proj_nope');
    expect(unknown.status).toBe(404);
    expectConforms('/organization/projects/{project_id}', 'get', unknown);
  });
});

describeWithContracts('service accounts and API keys', () => {
  it('creates a service account whose key value is shown once, and lists, retrieves, renames and deletes it', async () => {
    const created = await rawRequest(e, 'POST', `/organization/projects/${active}/service_accounts`, {
      body: { name: 'contract-bot', expires_in_seconds: 3600 },
    });
    expectConforms('/organization/projects/{project_id}/service_accounts', 'post', created);
    const body = created.body as { id: string; role: string; api_key: { id: string; value: string; expires_at: number } };
    expect(body.role).toBe('member');
    expect(body.api_key.value).toMatch(/^sk-svcacct-[A-Za-z0-9_-]{48}$/);
    expect(body.api_key.expires_at).toBe(NOW / 1000 + 3600);

    const list = await rawRequest(e, 'GET', `/organization/projects/${active}/service_accounts?limit=1`);
    expectConforms('/organization/projects/{project_id}/service_accounts', 'get', list);
    expect((list.body as ListBody).has_more).toBe(true);

    const retrieved = await rawRequest(e, 'GET', `/organization/projects/${active}/service_accounts/${body.id}`);
    expectConforms('/organization/projects/{project_id}/service_accounts/{service_account_id}', 'get', retrieved);
    const renamed = await rawRequest(e, 'POST', `/organization/projects/${active}/service_accounts/${body.id}`, {
      body: { name: 'contract-bot-2' },
    });
    expectConforms('/organization/projects/{project_id}/service_accounts/{service_account_id}', 'post', renamed);
    expect(renamed.body).toMatchObject({ name: 'contract-bot-2' });

    const key = await rawRequest(e, 'GET', `/organization/projects/${active}/api_keys/${body.api_key.id}`);
    expectConforms('/organization/projects/{project_id}/api_keys/{api_key_id}', 'get', key);
    expect(key.body).toMatchObject({
      redacted_value: `sk-svcacct-...${body.api_key.value.slice(-4)}`,
      expires_at: NOW / 1000 + 3600,
      owner: { type: 'service_account', service_account: { id: body.id, name: 'contract-bot-2' } },
    });
    expect(JSON.stringify(key.body)).not.toContain(body.api_key.value);

    const deleted = await rawRequest(e, 'DELETE', `/organization/projects/${active}/service_accounts/${body.id}`);
    expectConforms('/organization/projects/{project_id}/service_accounts/{service_account_id}', 'delete', deleted);
    expect(deleted.body).toEqual({ object: 'organization.project.service_account.deleted', id: body.id, deleted: true });
    expect(e.apiKeys(active).map((k) => k.id)).not.toContain(body.api_key.id);
  });

  it('creates a service account without a key when asked', async () => {
    const created = await rawRequest(e, 'POST', `/organization/projects/${active}/service_accounts`, {
      body: { name: 'keyless', create_service_account_only: true },
    });
    expectConforms('/organization/projects/{project_id}/service_accounts', 'post', created);
    expect(created.body).toMatchObject({ role: 'none', api_key: null });
  });

  it('lists API keys with their owners, deletes a user key, and refuses a service account key', async () => {
    const list = await rawRequest(e, 'GET', `/organization/projects/${active}/api_keys?limit=100`);
    expectConforms('/organization/projects/{project_id}/api_keys', 'get', list);
    const keys = (list.body as { data: Array<{ id: string; owner: { type: string } }> }).data;
    const userKey = keys.find((k) => k.owner.type === 'user')!;
    const accountKey = keys.find((k) => k.owner.type === 'service_account')!;

    const refused = await rawRequest(e, 'DELETE', `/organization/projects/${active}/api_keys/${accountKey.id}`);
    expect(refused.status).toBe(400);
    expectConforms('/organization/projects/{project_id}/api_keys/{api_key_id}', 'delete', refused);

    const deleted = await rawRequest(e, 'DELETE', `/organization/projects/${active}/api_keys/${userKey.id}`);
    expectConforms('/organization/projects/{project_id}/api_keys/{api_key_id}', 'delete', deleted);
    expect(deleted.body).toEqual({ object: 'organization.project.api_key.deleted', id: userKey.id, deleted: true });

    const gone = await rawRequest(e, 'GET', `/organization/projects/${active}/api_keys/${userKey.id}`);
    expect(gone.status).toBe(404);
    expectConforms('/organization/projects/{project_id}/api_keys/{api_key_id}', 'get', gone);
  });

  it('answers 400 for a service account in an archived project and 404 in an unknown one', async () => {
    const archived = e.projects().find((p) => p.status === 'archived')!.id;
    const refused = await rawRequest(e, 'POST', `/organization/projects/${archived}/service_accounts`, { body: { name: 'late' } });
    expect(refused.status).toBe(400);
    expectConforms('/organization/projects/{project_id}/service_accounts', 'post', refused);
    const listed = await rawRequest(e, 'GET', `/organization/projects/${archived}/service_accounts`);
    expect(listed.status).toBe(400);
    expectConforms('/organization/projects/{project_id}/service_accounts', 'get', listed);

    const unknown = await rawRequest(e, 'POST', '/organization/projects/proj_missing/service_accounts', { body: { name: 'x' } });
    expect(unknown.status).toBe(404);
    expectConforms('/organization/projects/{project_id}/service_accounts', 'post', unknown);

    const badExpiry = await rawRequest(e, 'POST', `/organization/projects/${active}/service_accounts`, {
      body: { name: 'x', expires_in_seconds: -5 },
    });
    expect(badExpiry.status).toBe(400);
    expect(badExpiry.body).toMatchObject({ error: { param: 'expires_in_seconds' } });
  });
});

describeWithContracts('spend limits', () => {
  it('answers 404 while none is set, then sets, reads and deletes one', async () => {
    const project = e.addProject({ name: 'Limits' }).id;
    const none = await rawRequest(e, 'GET', `/organization/projects/${project}/spend_limit`);
    expect(none.status).toBe(404);
    expectConforms('/organization/projects/{project_id}/spend_limit', 'get', none);

    const set = await rawRequest(e, 'POST', `/organization/projects/${project}/spend_limit`, {
      body: { threshold_amount: 5000, currency: 'USD', interval: 'month' },
    });
    expectConforms('/organization/projects/{project_id}/spend_limit', 'post', set);
    expect(set.body).toEqual({
      object: 'project.spend_limit',
      threshold_amount: 5000,
      currency: 'USD',
      interval: 'month',
      enforcement: { status: 'inactive' },
    });

    e.addCost({ projectId: project, day: NOW / 1000, usd: 50 });
    const enforcing = await rawRequest(e, 'GET', `/organization/projects/${project}/spend_limit`);
    expectConforms('/organization/projects/{project_id}/spend_limit', 'get', enforcing);
    expect(enforcing.body).toMatchObject({ enforcement: { status: 'enforcing' } });

    const deleted = await rawRequest(e, 'DELETE', `/organization/projects/${project}/spend_limit`);
    expectConforms('/organization/projects/{project_id}/spend_limit', 'delete', deleted);
    expect(deleted.body).toEqual({ object: 'project.spend_limit.deleted', deleted: true });
    expect(e.spendLimit(project)).toBeNull();
  });

  it('answers 400 for a threshold that is not a positive integer', async () => {
    const answer = await rawRequest(e, 'POST', `/organization/projects/${active}/spend_limit`, {
      body: { threshold_amount: 12.5, currency: 'USD', interval: 'month' },
    });
    expect(answer.status).toBe(400);
    expectConforms('/organization/projects/{project_id}/spend_limit', 'post', answer);
  });
});

describeWithContracts('rate limits', () => {
  it('lists a project’s limits in pages and lowers one', async () => {
    const first = await rawRequest(e, 'GET', `/organization/projects/${active}/rate_limits?limit=3`);
    expectConforms('/organization/projects/{project_id}/rate_limits', 'get', first);
    const page = first.body as ListBody;
    expect(page.data).toHaveLength(3);
    expect(page.has_more).toBe(true);
    const second = await rawRequest(e, 'GET', `/organization/projects/${active}/rate_limits?limit=3&after=${page.last_id}`);
    expectConforms('/organization/projects/{project_id}/rate_limits', 'get', second);
    expect((second.body as ListBody).data[0]!.id).not.toBe(page.data[0]!.id);

    const models = e.rateLimits(active).map((l) => l.model);
    expect(models).toEqual(expect.arrayContaining(['gpt-4o', 'gpt-4o-mini', 'gpt-4.1', 'o3-mini']));

    const lowered = await rawRequest(e, 'POST', `/organization/projects/${active}/rate_limits/rl-gpt-4o`, {
      body: { max_requests_per_1_minute: 500 },
    });
    expectConforms('/organization/projects/{project_id}/rate_limits/{rate_limit_id}', 'post', lowered);
    expect(lowered.body).toMatchObject({ object: 'project.rate_limit', model: 'gpt-4o', max_requests_per_1_minute: 500 });
    expect(e.rateLimits(active).find((l) => l.id === 'rl-gpt-4o')?.max_requests_per_1_minute).toBe(500);
  });

  it('answers 400 above the organization’s limit or for a field the model lacks', async () => {
    const tooHigh = await rawRequest(e, 'POST', `/organization/projects/${active}/rate_limits/rl-gpt-4o`, {
      body: { max_tokens_per_1_minute: 10_000_000_000 },
    });
    expect(tooHigh.status).toBe(400);
    expectConforms('/organization/projects/{project_id}/rate_limits/{rate_limit_id}', 'post', tooHigh);
    const noImages = await rawRequest(e, 'POST', `/organization/projects/${active}/rate_limits/rl-gpt-4o`, {
      body: { max_images_per_1_minute: 5 },
    });
    expect(noImages.status).toBe(400);
    expect(noImages.body).toMatchObject({ error: { param: 'max_images_per_1_minute' } });
  });
});

describeWithContracts('costs and usage', () => {
  it('pages through a month of costs, every page conforming', async () => {
    let page: string | null = null;
    const days: number[] = [];
    do {
      const answer = await rawRequest(
        e,
        'GET',
        `/organization/costs?start_time=${MONTH_START}&end_time=${NOW / 1000}&group_by[]=project_id&group_by[]=line_item&limit=5${page ? `&page=${page}` : ''}`,
      );
      expectConforms('/organization/costs', 'get', answer);
      const body = answer.body as BucketsBody;
      days.push(...body.data.map((b) => b.start_time));
      page = body.next_page;
      expect(body.has_more).toBe(page !== null);
    } while (page);
    expect(days).toEqual(Array.from({ length: 18 }, (_, i) => MONTH_START + i * 86_400));
  });

  it('pages through completions usage at every bucket width, every page conforming', async () => {
    const start = NOW / 1000 - 2 * 86_400;
    for (const [width, seconds] of [['1d', 86_400], ['1h', 3_600], ['1m', 60]] as const) {
      const url = `/organization/usage/completions?start_time=${start}&bucket_width=${width}&group_by=model,api_key_id&limit=2`;
      const first = await rawRequest(e, 'GET', url);
      expectConforms('/organization/usage/completions', 'get', first);
      const firstBody = first.body as BucketsBody;
      expect(firstBody.data.map((b) => b.start_time)).toEqual([0, 1].map((i) => Math.floor(start / seconds) * seconds + i * seconds));
      expect(firstBody.next_page).not.toBeNull();

      const second = await rawRequest(e, 'GET', `${url}&page=${firstBody.next_page}`);
      expectConforms('/organization/usage/completions', 'get', second);
      expect((second.body as BucketsBody).data[0]!.start_time).toBe(firstBody.data[1]!.start_time + seconds);
    }
  });

  it('answers 400 for group_by=api_key_id on costs, a missing start_time and a foreign page cursor', async () => {
    for (const query of [
      `start_time=${MONTH_START}&group_by=api_key_id`,
      'group_by=project_id',
      `start_time=${MONTH_START}&page=not-a-cursor`,
      `start_time=${MONTH_START}&bucket_width=1h`,
      `start_time=${MONTH_START}&limit=181`,
    ]) {
      const answer = await rawRequest(e, 'GET', `/organization/costs?${query}`);
      expect(answer.status, query).toBe(400);
      expectConforms('/organization/costs', 'get', answer);
    }
    const usage = await rawRequest(e, 'GET', `/organization/usage/completions?start_time=${MONTH_START}&bucket_width=1d&limit=32`);
    expect(usage.status).toBe(400);
    expectConforms('/organization/usage/completions', 'get', usage);
  });

  it('answers an injected 429 in the documented TooManyRequests shape with Retry-After', async () => {
    e.inject({ path: /\/organization\/costs$/, status: 429, retryAfterSeconds: 7 });
    const answer = await rawRequest(e, 'GET', `/organization/costs?start_time=${MONTH_START}`);
    expect(answer.status).toBe(429);
    expect(answer.headers.get('retry-after')).toBe('7');
    expectConforms('/organization/costs', 'get', answer);
    expect(answer.body).toMatchObject({ error: { code: 'rate_limit_exceeded' } });
  });
});

describeWithContracts('authentication and unknown paths', () => {
  it('answers 401 without the admin key, without echoing the key that was sent', async () => {
    const missing = await rawRequest(e, 'GET', '/organization/projects', { authorization: null });
    expect(missing.status).toBe(401);
    expectConforms('/organization/projects', 'get', missing);
    const wrongKey = 'sk-svcacct-not-an-admin-key-0123456789';
    const wrong = await rawRequest(e, 'GET', '/organization/projects', { authorization: `Bearer ${wrongKey}` });
    expect(wrong.status).toBe(401);
    expectConforms('/organization/projects', 'get', wrong);
    expect(JSON.stringify(wrong.body)).not.toContain(wrongKey);
  });

  it('answers 404 in OpenAI’s error shape for a path it does not know, and 400 for a body that is not JSON', async () => {
    const unknown = await rawRequest(e, 'GET', '/organization/nonsense');
    expect(unknown.status).toBe(404);
    expectConforms('/organization/projects', 'get', unknown);
    const wrongMethod = await rawRequest(e, 'DELETE', '/organization/projects');
    expect(wrongMethod.status).toBe(404);
    const badJson = await rawRequest(e, 'POST', '/organization/projects', { rawBody: '{"name":' });
    expect(badJson.status).toBe(400);
    expectConforms('/organization/projects', 'post', badJson);
  });
});
