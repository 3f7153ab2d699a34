/**
 * The emulator's Admin API rate limit on spend-limit reads: a rolling minute on the emulator's clock, organization
 * wide, answered 429 beyond it with or without Retry-After, other endpoints untouched.
 */
import OpenAI from 'openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startOpenAIEmulator, type OpenAIEmulator } from '../../../src/emulators/openai/index.js';
import { rawRequest } from './raw-http.js';

const START = Date.UTC(2026, 4, 20, 9, 15);
let clock = START;
let e: OpenAIEmulator;
let projects: string[];

beforeEach(async () => {
  clock = START;
  e = await startOpenAIEmulator({ now: () => clock, rateLimits: { spendLimitReadsPerMinute: 3 } });
  projects = ['A', 'B', 'C', 'D'].map((name) => e.addProject({ name }).id);
  e.setSpendLimit(projects[0]!, 10_000);
});

afterEach(async () => {
  await e.close();
});

const readCap = (projectId: string) => rawRequest(e, 'GET', `/organization/projects/${projectId}/spend_limit`);

describe('spend-limit reads per minute', () => {
  it('answers the allowed reads (a 404 counts too), then 429 without Retry-After, until the rolling minute has room', async () => {
    expect((await readCap(projects[0]!)).status).toBe(200);
    expect((await readCap(projects[1]!)).status).toBe(404); // no cap: answered, and counted
    clock += 30_000;
    expect((await readCap(projects[2]!)).status).toBe(404);
    const refused = await readCap(projects[3]!);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBeNull();
    expect(refused.body).toMatchObject({ error: { type: 'requests', code: 'rate_limit_exceeded' } });

    clock += 29_999; // the first two reads are 59.999 s old: still in the minute
    expect((await readCap(projects[3]!)).status).toBe(429);
    clock += 1; // now they are a minute old: two slots free; refusals did not count
    expect((await readCap(projects[3]!)).status).toBe(404);
    expect((await readCap(projects[0]!)).status).toBe(200);
    expect((await readCap(projects[0]!)).status).toBe(429);
    expect(e.callsTo('GET', /spend_limit$/).map((c) => c.status)).toEqual([200, 404, 404, 429, 429, 404, 200, 429]);
  });

  it('sends a fixed Retry-After, or the seconds until the minute has room, when asked to', async () => {
    e.setRateLimits({ spendLimitReadsPerMinute: 1, retryAfter: 20 });
    expect((await readCap(projects[0]!)).status).toBe(200);
    const fixed = await readCap(projects[1]!);
    expect(fixed.status).toBe(429);
    expect(fixed.headers.get('retry-after')).toBe('20');

    e.setRateLimits({ spendLimitReadsPerMinute: 1, retryAfter: 'until-free' });
    clock += 15_500;
    const untilFree = await readCap(projects[1]!);
    expect(untilFree.status).toBe(429);
    expect(untilFree.headers.get('retry-after')).toBe('45'); // 44.5 s, rounded up
  });

  it('limits only spend-limit reads: setting a cap, costs and other projects endpoints are not counted or refused', async () => {
    e.setRateLimits({ spendLimitReadsPerMinute: 0 });
    const client = new OpenAI({ adminAPIKey: e.adminKey, baseURL: e.baseURL, maxRetries: 0 });
    await client.admin.organization.projects.spendLimit.update(projects[1]!, { currency: 'USD', interval: 'month', threshold_amount: 5_000 });
    await client.admin.organization.usage.costs({ start_time: Math.floor(START / 1000) - 86_400 });
    await client.admin.organization.projects.retrieve(projects[1]!);
    await expect(client.admin.organization.projects.spendLimit.retrieve(projects[1]!)).rejects.toMatchObject({ status: 429, code: 'rate_limit_exceeded' });
    e.setRateLimits({});
    await expect(client.admin.organization.projects.spendLimit.retrieve(projects[1]!)).resolves.toMatchObject({ threshold_amount: 5_000 });
  });

  it('refuses a rate limit that is not a whole number', () => {
    expect(() => e.setRateLimits({ spendLimitReadsPerMinute: 2.5 })).toThrow(RangeError);
    expect(() => e.setRateLimits({ spendLimitReadsPerMinute: 2, retryAfter: -1 })).toThrow(RangeError);
  });
});
