import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIEmulator, type OpenAIEmulator } from '../../../src/emulators/openai/index.js';

const PROJECTS = 10_000;
const DAYS = 31;
const JULY_1 = Date.UTC(2026, 6, 1) / 1000;
const AUGUST_1 = Date.UTC(2026, 7, 1) / 1000;
const DAY = 86_400;
const NOW = (AUGUST_1 + 2 * DAY) * 1000;

/** Whole cents, so the expected total is exact. */
const costCents = (project: number, day: number): number => 1 + ((project * 31 + day * 7) % 500);

let e: OpenAIEmulator;
let client: OpenAI;
let ids: string[];

beforeAll(async () => {
  e = await startOpenAIEmulator({ now: () => NOW });
  client = new OpenAI({ adminAPIKey: e.adminKey, baseURL: e.baseURL, timeout: 60_000 });
  ids = [];
  for (let p = 0; p < PROJECTS; p++) ids.push(e.addProject({ name: `Team ${p}`, id: `proj_team${String(p).padStart(5, '0')}` }).id);
  for (let p = 0; p < PROJECTS; p++) {
    for (let d = 0; d < DAYS; d++) e.addCost({ projectId: ids[p]!, day: JULY_1 + d * DAY, usd: costCents(p, d) / 100 });
  }
}, 120_000);

afterAll(async () => {
  await e.close();
});

describe(`costs for ${PROJECTS.toLocaleString('en')} projects over ${DAYS} days`, () => {
  it('reads the whole month by project in a bounded number of pages', async () => {
    const started = performance.now();
    const totals = new Map<string, number>();
    let page: string | undefined;
    let pages = 0;
    do {
      const answer = await client.admin.organization.usage.costs({
        start_time: JULY_1,
        end_time: AUGUST_1,
        group_by: ['project_id'],
        limit: 7,
        ...(page ? { page } : {}),
      });
      pages++;
      for (const bucket of answer.data) {
        expect(bucket.results).toHaveLength(PROJECTS);
        for (const result of bucket.results) {
          if (result.object !== 'organization.costs.result') throw new Error(`unexpected ${result.object}`);
          const cents = Math.round(Number(result.amount?.value) * 100);
          totals.set(result.project_id!, (totals.get(result.project_id!) ?? 0) + cents);
        }
      }
      page = answer.next_page ?? undefined;
    } while (page && pages < 100);
    const elapsedMs = performance.now() - started;

    expect(pages).toBe(Math.ceil(DAYS / 7));
    expect(totals.size).toBe(PROJECTS);
    for (const p of [0, 1, 4_999, 9_999]) {
      const expected = Array.from({ length: DAYS }, (_, d) => costCents(p, d)).reduce((a, b) => a + b, 0);
      expect(totals.get(ids[p]!)).toBe(expected);
    }
    expect(elapsedMs).toBeLessThan(30_000);
  }, 60_000);

  it('answers a narrow query without reading every project', async () => {
    const started = performance.now();
    for (let i = 0; i < 50; i++) {
      const answer = await client.admin.organization.usage.costs({
        start_time: JULY_1,
        end_time: AUGUST_1,
        group_by: ['project_id'],
        project_ids: [ids[i * 199]!],
        limit: 31,
      });
      expect(answer.data).toHaveLength(DAYS);
      expect(answer.data.every((b) => b.results.length === 1)).toBe(true);
    }
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it('reads a spend limit against the month’s costs and lists projects quickly', async () => {
    e.setSpendLimit(ids[42]!, 100);
    const started = performance.now();
    const spend = await client.admin.organization.projects.spendLimit.retrieve(ids[42]!);
    expect(spend.threshold_amount).toBe(100);
    // The clock is in August, so July's costs no longer count toward the limit.
    expect(spend.enforcement.status).toBe('inactive');

    let listed = 0;
    for await (const project of client.admin.organization.projects.list({ limit: 100 })) {
      expect(project.id).toBe(ids[listed]);
      listed++;
    }
    expect(listed).toBe(PROJECTS);
    expect(performance.now() - started).toBeLessThan(20_000);
  }, 60_000);
});
