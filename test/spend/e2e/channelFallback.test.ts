/**
 * A project's alert channel that keywarden was removed from: the alert job (src/spend/jobs.ts) gets Slack's own
 * refusal (`not_in_channel`), so alert delivery posts the status message in the default alert channel instead,
 * saying why, rather than failing the job.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workspaceOf } from '../../../src/emulators/slack/server.js';
import { GENERAL_CHANNEL, SPEND_CHANNEL, USERS, startHarness, waitUntil, type Harness } from '../../support/harness.js';
import type { SlackMessage } from '../../../src/emulators/slack/index.js';

const BASE = Date.UTC(2026, 10, 15, 12, 0, 0);
const started = Date.now();
const now = () => BASE + (Date.now() - started);

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ now });
});
afterAll(async () => {
  await h?.stop();
});

const nameOf = (m: SlackMessage) => (m.metadata as { event_payload?: { name?: string } } | undefined)?.event_payload?.name ?? '';

describe('an alert channel keywarden was removed from', () => {
  it('posts the status message in the default alert channel, saying where it belonged and why', async () => {
    const id = h.openai.addProject({ name: 'Moved Out' }).id;
    const res = await h.driver.slashCommand({ userId: USERS.admin, text: `limit "Moved Out" soft 100 at 50 channel <#${GENERAL_CHANNEL}|general>`, channelId: GENERAL_CHANNEL });
    expect(res.status).toBe(200);
    await waitUntil(async () => (await h.redis.exists(`${h.namespace}:{kw}:limits:${id}`)) === 1, 15_000, 'limits stored');
    workspaceOf(h.slack).setBotMembership(GENERAL_CHANNEL, false);

    h.openai.addCost({ projectId: id, day: Math.floor(Date.UTC(2026, 10, 14, 10) / 1000), usd: 60 });
    expect((await h.app.pollSpendNow()).alertsClaimed).toBe(1);
    const status = await h.waitFor(() => h.slack.messages(SPEND_CHANNEL).find((m) => nameOf(m) === `status.${id}.2026-11`), 20_000);
    expect(status.text).toContain(`This alert belongs in <#${GENERAL_CHANNEL}>, but keywarden couldn't post there`);
    expect(h.slack.messages(GENERAL_CHANNEL).filter((m) => nameOf(m).startsWith('status.'))).toHaveLength(0);
  });
});
