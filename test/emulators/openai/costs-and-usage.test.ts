import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIEmulator, type OpenAIEmulator, type Project } from '../../../src/emulators/openai/index.js';
import { itWithContracts } from '../../support/contracts.js';
import { loadContract } from './contract.js';
import { rawRequest } from './raw-http.js';

const JUNE_1 = Date.UTC(2026, 5, 1) / 1000;
const DAY = 86_400;
const HOUR = 3_600;
const NOW = (JUNE_1 + 10 * DAY + 12 * HOUR) * 1000;

type CostResult = { amount: { value: number | string; currency: string }; project_id: string | null; line_item: string | null };
type UsageResult = {
  project_id: string | null;
  api_key_id: string | null;
  model: string | null;
  input_tokens: number;
  input_cached_tokens: number;
  output_tokens: number;
  num_model_requests: number;
};
type Page<R> = { data: Array<{ start_time: number; end_time: number; results: R[] }>; has_more: boolean; next_page: string | null };

let e: OpenAIEmulator;
let alpha: Project;
let beta: Project;
let gamma: Project;

beforeAll(async () => {
  e = await startOpenAIEmulator({ now: () => NOW });
  alpha = e.addProject({ name: 'Alpha' });
  beta = e.addProject({ name: 'Beta' });
  gamma = e.addProject({ name: 'Gamma' });
  e.addCost({ projectId: alpha.id, day: JUNE_1 + 5 * HOUR, usd: 1.1, lineItem: 'gpt-4o, input' });
  e.addCost({ projectId: alpha.id, day: JUNE_1 + 20 * HOUR, usd: 2.2, lineItem: 'gpt-4o, output' });
  e.addCost({ projectId: beta.id, day: JUNE_1, usd: 0.3, lineItem: 'gpt-4o, input' });
  e.addCost({ projectId: gamma.id, day: JUNE_1 + 2 * DAY, usd: 4 });

  e.addUsage({ projectId: alpha.id, apiKeyId: 'key_1', model: 'gpt-4o', hour: JUNE_1 + 9 * HOUR, inputTokens: 100, cachedInputTokens: 40, outputTokens: 10, requests: 2 });
  e.addUsage({ projectId: alpha.id, apiKeyId: 'key_1', model: 'gpt-4o', hour: JUNE_1 + 9 * HOUR + 1800, inputTokens: 50, outputTokens: 5 });
  e.addUsage({ projectId: alpha.id, apiKeyId: null, model: 'gpt-4o-mini', hour: JUNE_1 + 10 * HOUR, inputTokens: 30, outputTokens: 3 });
  e.addUsage({ projectId: beta.id, apiKeyId: 'key_2', model: 'gpt-4o', hour: JUNE_1 + DAY + HOUR, inputTokens: 7, outputTokens: 1 });
});

afterAll(async () => {
  await e.close();
});

async function costs(query: string): Promise<Page<CostResult>> {
  const answer = await rawRequest(e, 'GET', `/organization/costs?${query}`);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body as Page<CostResult>;
}

async function usage(query: string): Promise<Page<UsageResult>> {
  const answer = await rawRequest(e, 'GET', `/organization/usage/completions?${query}`);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body as Page<UsageResult>;
}

describe('costs', () => {
  it('accepts group_by and project_ids in the SDK, repeated and comma forms alike', async () => {
    const range = `start_time=${JUNE_1}&end_time=${JUNE_1 + 3 * DAY}`;
    const forms = [
      `${range}&group_by[]=project_id&group_by[]=line_item&project_ids[]=${alpha.id}&project_ids[]=${beta.id}`,
      `${range}&group_by=project_id&group_by=line_item&project_ids=${alpha.id}&project_ids=${beta.id}`,
      `${range}&group_by=project_id,line_item&project_ids=${alpha.id},${beta.id}`,
      `${range}&group_by%5B%5D=project_id,line_item&project_ids%5B%5D=${alpha.id}&project_ids=${beta.id}`,
    ];
    const answers = await Promise.all(forms.map(costs));
    for (const answer of answers.slice(1)) expect(answer).toEqual(answers[0]);
    expect(answers[0]!.data[0]!.results).toEqual([
      { object: 'organization.costs.result', amount: { value: 1.1, currency: 'usd' }, line_item: 'gpt-4o, input', project_id: alpha.id },
      { object: 'organization.costs.result', amount: { value: 2.2, currency: 'usd' }, line_item: 'gpt-4o, output', project_id: alpha.id },
      { object: 'organization.costs.result', amount: { value: 0.3, currency: 'usd' }, line_item: 'gpt-4o, input', project_id: beta.id },
    ]);
    // Gamma was filtered out of the third day, which stays as an empty bucket.
    expect(answers[0]!.data.map((b) => b.results.length)).toEqual([3, 0, 0]);
  });

  it('sums everything into one result per day when nothing is grouped, exactly', async () => {
    const page = await costs(`start_time=${JUNE_1}&end_time=${JUNE_1 + 3 * DAY}`);
    expect(page.data.map((b) => b.results.map((r) => r.amount.value))).toEqual([[3.6], [], [4]]);
    expect(page.data[0]!.results[0]).toMatchObject({ project_id: null, line_item: null });
  });

  it('groups by line item across projects', async () => {
    const page = await costs(`start_time=${JUNE_1}&end_time=${JUNE_1 + DAY}&group_by=line_item`);
    expect(page.data[0]!.results.map((r) => [r.line_item, r.amount.value])).toEqual([
      ['gpt-4o, input', 1.4],
      ['gpt-4o, output', 2.2],
    ]);
  });

  it('aligns daily buckets to UTC midnight and runs up to now without an end_time', async () => {
    const page = await costs(`start_time=${JUNE_1 + 7 * HOUR}&limit=30`);
    expect(page.data[0]).toMatchObject({ start_time: JUNE_1, end_time: JUNE_1 + DAY });
    expect(page.data).toHaveLength(11);
    expect(page.has_more).toBe(false);
    expect(page.next_page).toBeNull();
    expect((await costs(`start_time=${NOW / 1000 + DAY}`)).data).toEqual([]);
  });

  it('uses the contract’s default of 7 buckets a page', async () => {
    const page = await costs(`start_time=${JUNE_1}&end_time=${JUNE_1 + 10 * DAY}`);
    expect(page.data).toHaveLength(7);
    expect(page.has_more).toBe(true);
  });

  itWithContracts('sends amount.value as a decimal string in the live API’s other form, which the contract does not describe', async () => {
    e.setCostValueForm('string');
    try {
      const page = await costs(`start_time=${JUNE_1}&end_time=${JUNE_1 + 3 * DAY}&group_by=project_id`);
      expect(page.data[0]!.results.map((r) => r.amount.value)).toEqual(['3.30', '0.30']);
      expect(page.data[2]!.results.map((r) => r.amount.value)).toEqual(['4.00']);
      const { errors } = loadContract().check('/organization/costs', 'get', 200, page);
      expect(errors.length).toBeGreaterThan(0);
      expect(errors).toContain('/data/0/results/0/amount/value must be number');
      expect(errors.filter((message) => !message.includes('/amount/value '))).toEqual([]);
    } finally {
      e.setCostValueForm('number');
    }
  });
});

describe('completions usage', () => {
  it('sums a day into one result when nothing is grouped', async () => {
    const page = await usage(`start_time=${JUNE_1}&end_time=${JUNE_1 + 2 * DAY}&bucket_width=1d`);
    expect(page.data.map((b) => b.results.map((r) => [r.input_tokens, r.input_cached_tokens, r.output_tokens, r.num_model_requests]))).toEqual([
      [[180, 40, 18, 4]],
      [[7, 0, 1, 1]],
    ]);
  });

  it('buckets by hour and by minute', async () => {
    const hourly = await usage(`start_time=${JUNE_1 + 9 * HOUR}&end_time=${JUNE_1 + 11 * HOUR}&bucket_width=1h`);
    expect(hourly.data.map((b) => b.results.map((r) => r.input_tokens))).toEqual([[150], [30]]);
    const minutely = await usage(`start_time=${JUNE_1 + 9 * HOUR + 1740}&end_time=${JUNE_1 + 9 * HOUR + 1860}&bucket_width=1m`);
    expect(minutely.data.map((b) => b.results.map((r) => r.input_tokens))).toEqual([[], [50]]);
  });

  it('filters by API key and model and groups by key, keeping usage without a key apart', async () => {
    const byKey = await usage(`start_time=${JUNE_1}&end_time=${JUNE_1 + DAY}&group_by[]=api_key_id`);
    expect(byKey.data[0]!.results.map((r) => [r.api_key_id, r.input_tokens])).toEqual([
      ['key_1', 150],
      [null, 30],
    ]);
    const onlyKey = await usage(`start_time=${JUNE_1}&end_time=${JUNE_1 + 2 * DAY}&api_key_ids=key_2`);
    expect(onlyKey.data.map((b) => b.results.map((r) => r.input_tokens))).toEqual([[], [7]]);
    const onlyModel = await usage(`start_time=${JUNE_1}&end_time=${JUNE_1 + DAY}&models[]=gpt-4o-mini&group_by=model,project_id`);
    expect(onlyModel.data[0]!.results).toEqual([expect.objectContaining({ model: 'gpt-4o-mini', project_id: alpha.id, api_key_id: null, input_tokens: 30 })]);
  });

  it('uses the contract’s default and maximum limits per bucket width', async () => {
    expect((await usage(`start_time=${JUNE_1}&bucket_width=1h`)).data).toHaveLength(24);
    expect((await usage(`start_time=${JUNE_1}&bucket_width=1m`)).data).toHaveLength(60);
    expect((await usage(`start_time=${JUNE_1}&bucket_width=1d&limit=31`)).data).toHaveLength(11);
    const tooMany = await rawRequest(e, 'GET', `/organization/usage/completions?start_time=${JUNE_1}&bucket_width=1h&limit=169`);
    expect(tooMany.status).toBe(400);
    expect(tooMany.body).toMatchObject({ error: { param: 'limit' } });
  });

  it('marks a key as used when usage is recorded for it', async () => {
    const project = e.addProject({ name: 'Used' });
    const { apiKey } = e.addServiceAccount({ projectId: project.id, name: 'worker' });
    expect(e.apiKeys(project.id)[0]!.lastUsedAt).toBeNull();
    e.addUsage({ projectId: project.id, apiKeyId: apiKey!.id, model: 'gpt-4o', hour: JUNE_1 + 3 * HOUR, inputTokens: 1, outputTokens: 1 });
    expect(e.apiKeys(project.id)[0]!.lastUsedAt).toBe(JUNE_1 + 3 * HOUR);
  });
});
