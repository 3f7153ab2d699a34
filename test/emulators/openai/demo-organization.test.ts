import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoOrganization, startOpenAIEmulator, type OpenAIEmulator } from '../../../src/emulators/openai/index.js';
import { rawRequest } from './raw-http.js';

const NOW = Date.UTC(2026, 2, 27, 16, 40); // Friday 27 March 2026
const NOW_S = NOW / 1000;
const MARCH_1 = Date.UTC(2026, 2, 1) / 1000;
const DAY = 86_400;
const HOUR = 3_600;

type CostsPage = { data: Array<{ start_time: number; results: Array<{ amount: { value: number }; project_id: string | null }> }> };
type UsagePage = { data: Array<{ start_time: number; results: Array<{ input_tokens: number; num_model_requests: number; model: string | null }> }> };

let first: OpenAIEmulator;
let second: OpenAIEmulator;

beforeAll(async () => {
  first = await startOpenAIEmulator({ now: () => NOW });
  second = await startOpenAIEmulator({ now: () => NOW });
  seedDemoOrganization(first, { now: NOW });
  seedDemoOrganization(second, { now: NOW });
});

afterAll(async () => {
  await Promise.all([first.close(), second.close()]);
});

const projectId = (e: OpenAIEmulator, name: string): string => e.projects().find((p) => p.name === name)!.id;

async function dailyCosts(e: OpenAIEmulator, project: string): Promise<number[]> {
  const answer = await rawRequest(e, 'GET', `/organization/costs?start_time=${MARCH_1}&end_time=${NOW_S}&limit=31&project_ids=${project}`);
  return (answer.body as CostsPage).data.map((b) => b.results.reduce((sum, r) => sum + r.amount.value, 0));
}

describe('the demo organization', () => {
  it('has four active projects and the archived Legacy Prototype', () => {
    expect(first.projects().map((p) => [p.name, p.status])).toEqual([
      ['Research Assistant', 'active'],
      ['Support Bot', 'active'],
      ['Data Pipeline', 'active'],
      ['Marketing Copy', 'active'],
      ['Legacy Prototype', 'archived'],
    ]);
    const legacy = first.projects().at(-1)!;
    expect(legacy.archivedAt).toBeLessThan(NOW_S);
    expect(legacy.archivedAt).toBeGreaterThan(legacy.createdAt);
  });

  it('has service accounts with keys, and user keys beside them', () => {
    const accounts = first.projects().flatMap((p) => first.serviceAccounts(p.id));
    expect(accounts.map((a) => a.name)).toEqual(['research-agent', 'support-bot-prod', 'support-bot-staging', 'etl-nightly', 'copy-generator']);
    expect(accounts.every((a) => a.apiKeyId !== null)).toBe(true);
    const userKeys = first.projects().flatMap((p) => first.apiKeys(p.id)).filter((k) => k.owner.type === 'user');
    expect(userKeys.map((k) => k.name)).toEqual(["Dana's notebook", "Sam's laptop"]);
    expect(first.spendLimit(projectId(first, 'Support Bot'))).toEqual({ threshold_amount: 120_000, status: 'inactive' });
  });

  it('is the same organization every time for the same now', async () => {
    expect(second.projects()).toEqual(first.projects());
    for (const project of first.projects()) {
      expect(second.serviceAccounts(project.id)).toEqual(first.serviceAccounts(project.id));
      expect(second.apiKeys(project.id).map((k) => k.id)).toEqual(first.apiKeys(project.id).map((k) => k.id));
    }
    const query = `/organization/usage/completions?start_time=${MARCH_1}&bucket_width=1d&limit=31&group_by=project_id,api_key_id,model`;
    expect((await rawRequest(second, 'GET', query)).body).toEqual((await rawRequest(first, 'GET', query)).body);
    const costs = `/organization/costs?start_time=${MARCH_1}&limit=31&group_by=project_id,line_item`;
    expect((await rawRequest(second, 'GET', costs)).body).toEqual((await rawRequest(first, 'GET', costs)).body);
  });

  it('spends more on weekdays than at weekends, and more late in the month than early', async () => {
    const days = await dailyCosts(first, projectId(first, 'Support Bot'));
    expect(days).toHaveLength(27);
    expect(days.every((usd) => usd > 0)).toBe(true);
    const weekday = (i: number): boolean => ![0, 6].includes(new Date((MARCH_1 + i * DAY) * 1000).getUTCDay());
    const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;
    const weekdays = days.filter((_, i) => weekday(i));
    const weekends = days.filter((_, i) => !weekday(i));
    expect(mean(weekends)).toBeLessThan(mean(weekdays) * 0.6);
    // 2–6 March against 23–26 March (27 March is today, still partial).
    expect(mean(days.slice(22, 26))).toBeGreaterThan(mean(days.slice(1, 6)) * 1.1);
    // Support Bot is the busiest project: tens of dollars a weekday, well under its $1,200 monthly limit.
    expect(mean(weekdays)).toBeGreaterThan(15);
    expect(mean(weekdays)).toBeLessThan(60);
  });

  it('has hourly usage up to now, busiest in the working day, for several models', async () => {
    const answer = await rawRequest(
      first,
      'GET',
      `/organization/usage/completions?start_time=${NOW_S - 30 * HOUR}&end_time=${NOW_S + 5 * HOUR}&bucket_width=1h&limit=168&project_ids=${projectId(first, 'Research Assistant')}`,
    );
    const hours = (answer.body as UsagePage).data;
    const requestsAt = (start: number): number => hours.find((b) => b.start_time === start)?.results[0]?.num_model_requests ?? 0;
    const today = Math.floor(NOW_S / DAY) * DAY;
    expect(requestsAt(today + 15 * HOUR)).toBeGreaterThan(requestsAt(today + 4 * HOUR) * 2);
    expect(requestsAt(today + 15 * HOUR)).toBeGreaterThan(0);
    // Nothing from the hour that is still running, or later.
    expect(hours.filter((b) => b.start_time >= today + 16 * HOUR).every((b) => b.results.length === 0)).toBe(true);

    const models = await rawRequest(first, 'GET', `/organization/usage/completions?start_time=${MARCH_1}&bucket_width=1d&limit=31&group_by=model`);
    const seen = new Set((models.body as UsagePage).data.flatMap((b) => b.results.map((r) => r.model)));
    expect([...seen].sort()).toEqual(['gpt-4.1', 'gpt-4o', 'gpt-4o-mini', 'o3-mini']);
  });

  it('prices its costs from its usage', async () => {
    const project = projectId(first, 'Marketing Copy');
    const answer = await rawRequest(first, 'GET', `/organization/costs?start_time=${MARCH_1 + 9 * DAY}&end_time=${MARCH_1 + 10 * DAY}&group_by=line_item&project_ids=${project}`);
    const lineItems = (answer.body as { data: Array<{ results: Array<{ line_item: string; amount: { value: number } }> }> }).data[0]!.results;
    const usage = await rawRequest(first, 'GET', `/organization/usage/completions?start_time=${MARCH_1 + 9 * DAY}&end_time=${MARCH_1 + 10 * DAY}&group_by=model&project_ids=${project}`);
    const results = (usage.body as { data: Array<{ results: Array<{ model: string; input_tokens: number; input_cached_tokens: number; output_tokens: number }> }> }).data[0]!.results;
    const gpt4o = results.find((r) => r.model === 'gpt-4o')!;
    const output = lineItems.find((l) => l.line_item === 'gpt-4o, output')!;
    expect(output.amount.value).toBeCloseTo((gpt4o.output_tokens * 10) / 1_000_000, 5);
    const input = lineItems.find((l) => l.line_item === 'gpt-4o, input')!;
    expect(input.amount.value).toBeCloseTo(((gpt4o.input_tokens - gpt4o.input_cached_tokens) * 2.5) / 1_000_000, 5);
  });
});
