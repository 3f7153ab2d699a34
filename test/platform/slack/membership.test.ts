import { WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSlackEmulator, type SlackEmulator } from '../../../src/emulators/slack/index.js';
import { createGroupMembership } from '../../../src/platform/slack/membership.js';

const APPROVERS = Array.from({ length: 20 }, (_, i) => ({ id: `U0APPR${String(i).padStart(2, '0')}`, name: `approver${i}` }));
const OUTSIDER = { id: 'U0OUTSIDER', name: 'outsider' };
let emulator: SlackEmulator;
let web: WebClient;
let now = 1_800_000_000_000;
const clock = () => now;
const waits: number[] = [];
const sleep = async (ms: number) => {
  waits.push(ms);
};

beforeEach(async () => {
  waits.length = 0;
  emulator = await startSlackEmulator({
    users: [...APPROVERS, OUTSIDER],
    channels: [],
    usergroups: [{ id: 'S0APPROVERS', handle: 'key-approvers', users: APPROVERS.map((u) => u.id) }],
    now: clock,
  });
  // As keywarden's listeners build it: one retry of its own at most.
  web = new WebClient(emulator.botToken, { slackApiUrl: emulator.apiUrl, retryConfig: { retries: 1, factor: 1, minTimeout: 1, maxTimeout: 1 } });
});

afterEach(async () => {
  await emulator.close();
});

describe('user-group membership', () => {
  it('20 concurrent lookups on a cold cache make one usergroups.users.list call', async () => {
    const groupsOf = createGroupMembership(web, ['S0APPROVERS', 'U0ADMIN'], clock, { sleep });
    const answers = await Promise.all(APPROVERS.map((u) => groupsOf(u.id)));
    expect(answers.every((groups) => groups.length === 1 && groups[0] === 'S0APPROVERS')).toBe(true);
    expect(emulator.callsTo('usergroups.users.list')).toHaveLength(1);
    expect(await groupsOf(OUTSIDER.id)).toEqual([]);
    expect(emulator.callsTo('usergroups.users.list')).toHaveLength(1);
  });

  it('looks again once the answer is stale', async () => {
    const groupsOf = createGroupMembership(web, ['S0APPROVERS'], clock, { sleep, ttlMs: 60_000 });
    await groupsOf(APPROVERS[0]!.id);
    now += 61_000;
    await groupsOf(APPROVERS[0]!.id);
    expect(emulator.callsTo('usergroups.users.list')).toHaveLength(2);
  });

  it('a 429 without Retry-After does not refuse a legitimate approver', async () => {
    emulator.inject('usergroups.users.list', { status: 429, retryAfterSeconds: null, times: 3 });
    const groupsOf = createGroupMembership(web, ['S0APPROVERS'], clock, { sleep });
    const answers = await Promise.all(APPROVERS.slice(0, 5).map((u) => groupsOf(u.id)));
    expect(answers).toEqual(APPROVERS.slice(0, 5).map(() => ['S0APPROVERS']));
    expect(waits.length).toBeGreaterThan(0);
    expect(emulator.callsTo('usergroups.users.list').filter((c) => c.ok)).toHaveLength(1);
  });

  it('a 429 with Retry-After is waited out', async () => {
    emulator.inject('usergroups.users.list', { status: 429, retryAfterSeconds: 1, times: 2 });
    const noRetries = new WebClient(emulator.botToken, { slackApiUrl: emulator.apiUrl, rejectRateLimitedCalls: true, retryConfig: { retries: 0 } });
    const groupsOf = createGroupMembership(noRetries, ['S0APPROVERS'], clock, { sleep });
    expect(await groupsOf(APPROVERS[3]!.id)).toEqual(['S0APPROVERS']);
    expect(waits).toEqual([1_000, 1_000]);
  });

  it('falls back to the last known members when Slack keeps failing, and says so when it knows none', async () => {
    const groupsOf = createGroupMembership(web, ['S0APPROVERS'], clock, { sleep, maxWaitMs: 0 });
    await groupsOf(APPROVERS[0]!.id);
    now += 120_000;
    emulator.inject('usergroups.users.list', { error: 'fatal_error', times: 5 });
    expect(await groupsOf(APPROVERS[1]!.id)).toEqual(['S0APPROVERS']);
    const cold = createGroupMembership(web, ['S0APPROVERS'], clock, { sleep, maxWaitMs: 0 });
    await expect(cold(APPROVERS[1]!.id)).rejects.toThrow();
  });

  it('reads the group list on every call, so a reloaded policy takes effect', async () => {
    let groups: string[] = [];
    const groupsOf = createGroupMembership(web, () => groups, clock, { sleep });
    expect(await groupsOf(APPROVERS[0]!.id)).toEqual([]);
    groups = ['S0APPROVERS'];
    expect(await groupsOf(APPROVERS[0]!.id)).toEqual(['S0APPROVERS']);
  });
});
