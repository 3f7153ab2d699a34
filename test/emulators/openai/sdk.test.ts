import OpenAI from 'openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startOpenAIEmulator, type OpenAIEmulator } from '../../../src/emulators/openai/index.js';

const NOW = Date.UTC(2026, 4, 20, 9, 15);
const NOW_S = NOW / 1000;
const MAY_1 = Date.UTC(2026, 4, 1) / 1000;
const DAY = 86_400;

let e: OpenAIEmulator;
let client: OpenAI;

beforeEach(async () => {
  e = await startOpenAIEmulator({ now: () => NOW });
  client = new OpenAI({ adminAPIKey: e.adminKey, baseURL: e.baseURL });
});

afterEach(async () => {
  await e.close();
});

describe('projects through the SDK', () => {
  it('auto-paginates across pages with the after cursor, leaving archived projects out', async () => {
    const created = Array.from({ length: 45 }, (_, i) => e.addProject({ name: `Project ${i}` }));
    e.archiveProject(created[7]!.id);

    const names: string[] = [];
    for await (const project of client.admin.organization.projects.list({ limit: 10 })) names.push(project.name ?? '');

    expect(names).toHaveLength(44);
    expect(names).not.toContain('Project 7');
    expect(names[0]).toBe('Project 0');
    const calls = e.callsTo('GET', /\/organization\/projects$/);
    expect(calls).toHaveLength(5);
    expect(calls[0]!.query).toEqual({ limit: '10' });
    expect(calls[1]!.query).toEqual({ limit: '10', after: created[10]!.id });
  });

  it('creates a project and archives it', async () => {
    const project = await client.admin.organization.projects.create({ name: 'From the SDK' });
    expect(e.project(project.id)).toMatchObject({ name: 'From the SDK', status: 'active' });
    const archived = await client.admin.organization.projects.archive(project.id);
    expect(archived.status).toBe('archived');
    expect(e.project(project.id)?.status).toBe('archived');
  });
});

describe('service accounts through the SDK', () => {
  it('creates one with a key shown once, then deletes it together with its key', async () => {
    const project = e.addProject({ name: 'Keys' });
    const created = await client.admin.organization.projects.serviceAccounts.create(project.id, {
      name: 'kw-alice',
      expires_in_seconds: 7 * DAY,
    });
    expect(created.api_key?.value).toMatch(/^sk-svcacct-[A-Za-z0-9_-]{48}$/);
    expect(created.api_key?.expires_at).toBe(NOW_S + 7 * DAY);
    expect(e.serviceAccounts(project.id)).toEqual([
      { id: created.id, projectId: project.id, name: 'kw-alice', role: 'member', createdAt: NOW_S, apiKeyId: created.api_key!.id },
    ]);

    const keys = await client.admin.organization.projects.apiKeys.list(project.id);
    expect(keys.data.map((k) => k.id)).toEqual([created.api_key!.id]);
    expect(keys.data[0]!.redacted_value).not.toContain(created.api_key!.value);
    expect(keys.data[0]!.owner.service_account?.id).toBe(created.id);

    const deleted = await client.admin.organization.projects.serviceAccounts.delete(created.id, { project_id: project.id });
    expect(deleted).toEqual({ object: 'organization.project.service_account.deleted', id: created.id, deleted: true });
    expect(e.serviceAccounts(project.id)).toEqual([]);
    expect(e.apiKeys(project.id)).toEqual([]);
  });

  it('hands out a different key value on every creation', async () => {
    const project = e.addProject({ name: 'Keys' });
    const values = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const created = await client.admin.organization.projects.serviceAccounts.create(project.id, { name: `kw-${i}` });
      values.add(created.api_key!.value);
    }
    expect(values.size).toBe(5);
  });

  it('is refused with 400 in an archived project and 404 in an unknown one', async () => {
    const project = e.addProject({ name: 'Old', status: 'archived' });
    const archived = client.admin.organization.projects.serviceAccounts.create(project.id, { name: 'late' });
    await expect(archived).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    const unknown = client.admin.organization.projects.serviceAccounts.create('proj_unknown', { name: 'late' });
    await expect(unknown).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });
});

describe('spend limits through the SDK', () => {
  it('sets and reads a limit that starts enforcing once this month’s costs reach it', async () => {
    const project = e.addProject({ name: 'Spend' });
    await expect(client.admin.organization.projects.spendLimit.retrieve(project.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);

    const set = await client.admin.organization.projects.spendLimit.update(project.id, {
      threshold_amount: 10_000,
      currency: 'USD',
      interval: 'month',
    });
    expect(set).toEqual({ object: 'project.spend_limit', threshold_amount: 10_000, currency: 'USD', interval: 'month', enforcement: { status: 'inactive' } });

    // Last month's costs do not count toward this month's limit.
    e.addCost({ projectId: project.id, day: MAY_1 - DAY, usd: 500 });
    e.addCost({ projectId: project.id, day: MAY_1 + 3 * DAY, usd: 60 });
    e.addCost({ projectId: project.id, day: MAY_1 + 9 * DAY, usd: 39.99 });
    expect((await client.admin.organization.projects.spendLimit.retrieve(project.id)).enforcement.status).toBe('inactive');
    e.addCost({ projectId: project.id, day: NOW_S, usd: 0.01 });
    expect((await client.admin.organization.projects.spendLimit.retrieve(project.id)).enforcement.status).toBe('enforcing');
    expect(e.spendLimit(project.id)).toEqual({ threshold_amount: 10_000, status: 'enforcing' });

    e.setSpendLimit(project.id, 20_000);
    expect(await client.admin.organization.projects.spendLimit.retrieve(project.id)).toMatchObject({
      threshold_amount: 20_000,
      enforcement: { status: 'inactive' },
    });
    expect(await client.admin.organization.projects.spendLimit.delete(project.id)).toEqual({ object: 'project.spend_limit.deleted', deleted: true });
    expect(e.spendLimit(project.id)).toBeNull();
  });
});

describe('rate limits through the SDK', () => {
  it('lists the per-model limits and lowers one', async () => {
    const project = e.addProject({ name: 'Limits' });
    const models: string[] = [];
    for await (const limit of client.admin.organization.projects.rateLimits.listRateLimits(project.id, { limit: 4 })) models.push(limit.model);
    expect(models).toEqual(e.rateLimits(project.id).map((l) => l.model));
    expect(models).toEqual(expect.arrayContaining(['gpt-4o', 'gpt-4o-mini', 'gpt-4.1', 'o3-mini']));

    const updated = await client.admin.organization.projects.rateLimits.updateRateLimit('rl-gpt-4o-mini', {
      project_id: project.id,
      max_tokens_per_1_minute: 1_000_000,
    });
    expect(updated.max_tokens_per_1_minute).toBe(1_000_000);
    expect(e.rateLimits(project.id).find((l) => l.model === 'gpt-4o-mini')?.max_tokens_per_1_minute).toBe(1_000_000);
  });
});

describe('costs and usage through the SDK', () => {
  it('pages through costs with page and next_page, sending group_by[] as the SDK does', async () => {
    const a = e.addProject({ name: 'A' });
    const b = e.addProject({ name: 'B' });
    for (let d = 0; d < 19; d++) {
      e.addCost({ projectId: a.id, day: MAY_1 + d * DAY + 3600, usd: 1.25, lineItem: 'gpt-4o, input' });
      e.addCost({ projectId: a.id, day: MAY_1 + d * DAY, usd: 0.5, lineItem: 'gpt-4o, output' });
      e.addCost({ projectId: b.id, day: MAY_1 + d * DAY, usd: 2 });
    }

    const totals = new Map<string, number>();
    let page: string | undefined;
    let pages = 0;
    do {
      const answer = await client.admin.organization.usage.costs({
        start_time: MAY_1,
        end_time: NOW_S,
        group_by: ['project_id'],
        limit: 7,
        ...(page ? { page } : {}),
      });
      pages++;
      for (const bucket of answer.data) {
        for (const result of bucket.results) {
          if (result.object !== 'organization.costs.result') continue;
          totals.set(result.project_id!, (totals.get(result.project_id!) ?? 0) + Number(result.amount?.value));
        }
      }
      page = answer.next_page ?? undefined;
    } while (page);

    expect(pages).toBe(3);
    expect(totals.get(a.id)).toBeCloseTo(19 * 1.75, 6);
    expect(totals.get(b.id)).toBeCloseTo(19 * 2, 6);
    const calls = e.callsTo('GET', /\/organization\/costs$/);
    expect(calls[0]!.query['group_by[]']).toEqual(['project_id']);
    expect(calls[1]!.query.page).toMatch(/^page_/);
  });

  it('returns amount.value as a number, or as a string when set to the live API’s other form', async () => {
    const project = e.addProject({ name: 'Amounts' });
    e.addCost({ projectId: project.id, day: MAY_1, usd: 12.5 });
    const query = { start_time: MAY_1, end_time: MAY_1 + DAY, group_by: ['project_id' as const] };

    const asNumber = await client.admin.organization.usage.costs(query);
    expect(asNumber.data[0]!.results[0]).toMatchObject({ amount: { value: 12.5, currency: 'usd' }, project_id: project.id });

    e.setCostValueForm('string');
    const asString = await client.admin.organization.usage.costs(query);
    expect(asString.data[0]!.results[0]).toMatchObject({ amount: { value: '12.50', currency: 'usd' } });
  });

  it('reads completions usage grouped by project, key and model', async () => {
    const project = e.addProject({ name: 'Usage' });
    const other = e.addProject({ name: 'Other' });
    const hour = MAY_1 + 10 * DAY + 14 * 3600;
    e.addUsage({ projectId: project.id, apiKeyId: 'key_a', model: 'gpt-4o', hour, inputTokens: 1000, cachedInputTokens: 200, outputTokens: 300, requests: 4 });
    e.addUsage({ projectId: project.id, apiKeyId: 'key_a', model: 'gpt-4o', hour: hour + 3600, inputTokens: 500, outputTokens: 100, requests: 1 });
    e.addUsage({ projectId: project.id, apiKeyId: 'key_b', model: 'gpt-4o-mini', hour, inputTokens: 50, outputTokens: 5 });
    e.addUsage({ projectId: other.id, apiKeyId: null, model: 'gpt-4o', hour, inputTokens: 7, outputTokens: 7 });

    const answer = await client.admin.organization.usage.completions({
      start_time: MAY_1 + 10 * DAY,
      end_time: MAY_1 + 11 * DAY,
      bucket_width: '1d',
      project_ids: [project.id],
      group_by: ['project_id', 'api_key_id', 'model'],
    });
    expect(answer.data).toHaveLength(1);
    const results = answer.data[0]!.results;
    expect(results).toHaveLength(2);
    expect(results).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          object: 'organization.usage.completions.result',
          project_id: project.id,
          api_key_id: 'key_a',
          model: 'gpt-4o',
          input_tokens: 1500,
          input_cached_tokens: 200,
          output_tokens: 400,
          num_model_requests: 5,
        }),
        expect.objectContaining({ api_key_id: 'key_b', model: 'gpt-4o-mini', input_tokens: 50, num_model_requests: 1 }),
      ]),
    );
    const call = e.callsTo('GET', /usage\/completions$/)[0]!;
    expect(call.query['group_by[]']).toEqual(['project_id', 'api_key_id', 'model']);
    expect(call.query['project_ids[]']).toEqual([project.id]);
  });
});

describe('injected faults and the SDK’s reaction', () => {
  it('retries a 429 after the Retry-After it was given, then succeeds', async () => {
    e.inject({ method: 'GET', path: /\/organization\/projects$/, status: 429, retryAfterSeconds: 1 });
    const started = Date.now();
    const page = await client.admin.organization.projects.list();
    expect(page.data).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(e.callsTo('GET', /\/organization\/projects$/).map((c) => c.status)).toEqual([429, 200]);
  });

  it('surfaces a 429 as RateLimitError with its Retry-After when retries are off', async () => {
    e.inject({ status: 429, retryAfterSeconds: 30, message: 'Slow down.' });
    const failure = await client.admin.organization.projects.list({}, { maxRetries: 0 }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(OpenAI.RateLimitError);
    const error = failure as InstanceType<typeof OpenAI.RateLimitError>;
    expect(error.status).toBe(429);
    expect(error.headers.get('retry-after')).toBe('30');
    expect(error.message).toContain('Slow down.');
    expect(e.calls).toHaveLength(1);
  });

  it('surfaces a 500 as InternalServerError, and retries it when allowed', async () => {
    e.inject({ status: 500, times: 2 });
    await expect(client.admin.organization.projects.list({}, { maxRetries: 0 })).rejects.toBeInstanceOf(OpenAI.InternalServerError);
    const retried = await client.admin.organization.projects.list({}, { maxRetries: 1 });
    expect(retried.data).toEqual([]);
    expect(e.calls.map((c) => c.status)).toEqual([500, 500, 200]);
  });

  it('does not retry a 401, injected or real', async () => {
    e.inject({ status: 401 });
    await expect(client.admin.organization.projects.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    const wrongKey = new OpenAI({ adminAPIKey: 'sk-admin-wrong', baseURL: e.baseURL });
    await expect(wrongKey.admin.organization.projects.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    expect(e.calls.map((c) => c.status)).toEqual([401, 401]);
  });

  it('answers late when told to, so the client times out', async () => {
    const project = e.addProject({ name: 'Slow' });
    e.inject({ path: /\/service_accounts$/, status: 200, delayMs: 1_000 });
    const slow = client.admin.organization.projects.serviceAccounts.create(project.id, { name: 'late' }, { timeout: 150, maxRetries: 0 });
    await expect(slow).rejects.toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
  });

  it('applies a fault only to matching requests, the given number of times, until cleared', async () => {
    e.inject({ method: 'POST', path: /\/projects$/, status: 503, times: 5 });
    expect((await client.admin.organization.projects.list()).data).toEqual([]);
    await expect(client.admin.organization.projects.create({ name: 'x' }, { maxRetries: 0 })).rejects.toMatchObject({ status: 503 });
    e.clearFaults();
    await expect(client.admin.organization.projects.create({ name: 'x' }, { maxRetries: 0 })).resolves.toMatchObject({ name: 'x' });
  });
});
