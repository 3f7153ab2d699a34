/**
 * Spend polling and alerts working as meant, against the real app, the emulators and Redis, on fixed clocks:
 * each crossing of a project's thresholds is alerted exactly once, in one living status message per project and
 * month, re-arming on a new month or a new limits version; totals exact to the cent; several thresholds crossed in
 * one poll told in one alert; the hard cap said in OpenAI's words (enforcing or not yet); OpenAI's amounts read in
 * either form, usage paged through, 10,000 projects read in as many calls as 3; and caps read within OpenAI's
 * Admin API limits: those near or over their cap every poll, the rest in an hourly rotation.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ACTION } from '../../../src/platform/slack/ids.js';
import type { SlackMessage } from '../../../src/emulators/slack/index.js';
import { SPEND_CHANNEL, USERS, actionIdsIn, startHarness, waitUntil, type Harness } from '../../support/harness.js';
import { keywardenForSuite, suiteClock } from '../../support/suiteHarness.js';
import { SPEND_BASE, TICK, adminCommand, day, nameOf, pause, pollAfter, projectOf, repliesSettled, repliesTo, setLimits, settled, statusMessages, statusOf } from './world.js';

let h: Harness;

describe('a month of spend alerts', () => {
  const clock = suiteClock(SPEND_BASE);
  keywardenForSuite((started) => (h = started), { clock });
  const updatesOf = (m: SlackMessage) => h.slack.callsTo('chat.update').filter((c) => c.ok && c.args.ts === m.ts);

  describe('one project through a month', () => {
    it('alerts 50, 80, 100% of the soft limit, the forecast and the hard cap once each, in one living message', async () => {
      await setLimits(h, 'Support Bot', h.projects.support, 'soft 100 hard 150 at 50,80,100');
      expect(h.openai.spendLimit(h.projects.support)?.threshold_amount).toBe(15_000);

      // nothing spent: nothing said
      expect((await h.app.pollSpendNow()).alertsClaimed).toBe(0);

      h.openai.addCost({ projectId: h.projects.support, day: day(14), usd: 55 });
      const first = await h.app.pollSpendNow();
      // 55% of soft, and at this pace (55 in the last week) the month ends above the $150 cap
      expect(first.alertsClaimed).toBe(2);
      const nov = () => statusMessages(h).find((m) => nameOf(m).endsWith('.2026-11'));
      let status = await settled(h, nov, 2);
      expect(statusMessages(h)).toHaveLength(1);
      expect(JSON.stringify(repliesTo(h, status.ts))).toMatch(/50%/);
      expect(JSON.stringify(repliesTo(h, status.ts))).toMatch(/27 Nov|Nov 27|pace|forecast/i);
      expect(JSON.stringify(status.blocks)).toMatch(/55\.00/);

      // polling again changes nothing
      expect((await h.app.pollSpendNow()).alertsClaimed).toBe(0);
      await new Promise((r) => setTimeout(r, 800));
      expect(repliesTo(h, status.ts)).toHaveLength(2);

      h.openai.addCost({ projectId: h.projects.support, day: day(14), usd: 30 });
      expect((await h.app.pollSpendNow()).alertsClaimed).toBe(1);
      status = await settled(h, nov, 3);
      expect(JSON.stringify(repliesTo(h, status.ts).at(-1))).toMatch(/80%/);
      expect(JSON.stringify(h.slack.message(SPEND_CHANNEL, status.ts)?.blocks)).toMatch(/85\.00/);

      h.openai.addCost({ projectId: h.projects.support, day: day(15), usd: 20 });
      expect((await h.app.pollSpendNow()).alertsClaimed).toBe(1);
      status = await settled(h, nov, 4);
      expect(JSON.stringify(repliesTo(h, status.ts).at(-1))).toMatch(/100%/);

      h.openai.addCost({ projectId: h.projects.support, day: day(15), usd: 50 });
      expect(h.openai.spendLimit(h.projects.support)?.status).toBe('enforcing');
      expect((await h.app.pollSpendNow()).alertsClaimed).toBe(1);
      status = await settled(h, nov, 5);
      const hard = repliesTo(h, status.ts).at(-1) as SlackMessage;
      expect(hard.text).toMatch(/refusing/);
      expect(actionIdsIn(hard)).toContain(ACTION.requestHigherCap);
      expect(hard.text).toContain(USERS.approver);
      const broadcast = h.slack.callsTo('chat.postMessage').find((c) => c.ok && c.args.thread_ts === status.ts && c.args.reply_broadcast);
      expect(broadcast).toBeTruthy();

      // enforcement keeps being reported, but the hard cap was told once
      expect((await h.app.pollSpendNow()).alertsClaimed).toBe(0);
      await new Promise((r) => setTimeout(r, 800));
      expect(statusMessages(h)).toHaveLength(1);
      expect(repliesTo(h, status.ts)).toHaveLength(5);
      // one post and one update per crossing after the first: the message lived in place
      expect(updatesOf(status)).toHaveLength(4);
    });

    it('re-arms in a new month: the first poll says nothing, the first crossing starts a new message', async () => {
      clock.offset = Date.UTC(2026, 11, 2, 12) - SPEND_BASE; // 2 Dec
      expect((await h.app.pollSpendNow()).alertsClaimed).toBe(0);
      h.openai.addCost({ projectId: h.projects.support, day: day(1, 11), usd: 60 });
      const report = await h.app.pollSpendNow();
      expect(report.month).toBe('2026-12');
      expect(report.alertsClaimed).toBeGreaterThanOrEqual(1);
      const dec = () => statusMessages(h).find((m) => nameOf(m).endsWith('.2026-12'));
      const status = await settled(h, dec, report.alertsClaimed);
      expect(statusMessages(h)).toHaveLength(2);
      expect(JSON.stringify(repliesTo(h, status.ts))).toMatch(/50%/);
    });

    it('re-arms when the limits change: a new version is a new identity', async () => {
      const dec = () => statusMessages(h).find((m) => nameOf(m).endsWith('.2026-12'));
      const before = repliesTo(h, (dec() as SlackMessage).ts).length;
      await adminCommand(h, 'limit "Support Bot" soft 200 hard 400');
      const stored = await waitUntil(async () => {
        const limits = JSON.parse((await h.redis.get(`${h.namespace}:{kw}:limits:${h.projects.support}`)) ?? '{}') as { softCents?: number; version?: number };
        return limits.softCents === 20_000 ? limits : undefined;
      });
      const version = stored.version as number;
      const soft = new RegExp(`\\.v${version}\\.soft\\.`);
      const raised = await h.app.pollSpendNow(); // $60 is 30% of $200: no soft alert (the pace may still forecast the cap)
      let status = await settled(h, dec, before + raised.alertsClaimed);
      expect(repliesTo(h, status.ts).filter((r) => soft.test(nameOf(r)))).toHaveLength(0);
      h.openai.addCost({ projectId: h.projects.support, day: day(2, 11), usd: 45 });
      expect((await h.app.pollSpendNow()).alertsClaimed).toBe(1); // $105: 52% of $200
      status = await settled(h, dec, before + raised.alertsClaimed + 1);
      const rearmed = repliesTo(h, status.ts).filter((r) => soft.test(nameOf(r)));
      expect(rearmed).toHaveLength(1);
      expect(JSON.stringify(rearmed[0])).toMatch(/50%/);
      expect(JSON.stringify(rearmed[0])).toMatch(/200\.00/);
      clock.offset = 0;
    });
  });

  describe('reading OpenAI', () => {
    beforeAll(() => {
      clock.offset = 0;
    });
    it('reads amount.value as a string or a number alike', async () => {
      await setLimits(h, 'Research Assistant', h.projects.research, 'soft 10 at 50');
      h.openai.addCost({ projectId: h.projects.research, day: day(14), usd: 4.5 });
      h.openai.setCostValueForm('string');
      const asString = await h.app.pollSpendNow();
      const stringTotal = await h.redis.hget(`${h.namespace}:{kw}:spend:totals:2026-11`, h.projects.research);
      h.openai.setCostValueForm('number');
      await h.app.pollSpendNow();
      const numberTotal = await h.redis.hget(`${h.namespace}:{kw}:spend:totals:2026-11`, h.projects.research);
      expect(JSON.parse(stringTotal ?? '{}').cents).toBe(450);
      expect(JSON.parse(numberTotal ?? '{}').cents).toBe(450);
      expect(asString.month).toBe('2026-11');
      expect(h.openai.calls.some((c) => c.path.endsWith('/costs'))).toBe(true);
    });

    it('makes the same number of OpenAI calls for 10,000 projects as for 3', async () => {
      const small = await h.app.pollSpendNow();
      for (let i = 0; i < 10_000; i += 1) {
        const id = h.openai.addProject({ name: `Load ${i}` }).id;
        h.openai.addCost({ projectId: id, day: day(1 + (i % 14)), usd: 1 + (i % 7) });
      }
      const large = await h.app.pollSpendNow();
      expect(large.projectsWithSpend).toBeGreaterThan(10_000);
      expect(large.openaiCalls).toBe(small.openaiCalls);
    }, 60_000);
  });

  describe('usage pages', () => {
    it('follows next_page through usage, and prices it as an estimate kept apart from costs', async () => {
      // A fresh organization whose costs cover only the 1st: usage is read from the 1st, and 14 days of hourly
      // buckets take more than one page of 168.
      const h = await startHarness({ now: clock.now });
      // the command is acked at once and applied just after: wait for the limits before polling
      await setLimits(h, 'Research Assistant', h.projects.research, 'soft 10 at 50');
      h.openai.addCost({ projectId: h.projects.research, day: day(1), usd: 4.5 });
      const usageCalls = h.openai.callsTo('GET', /usage\/completions$/).length;
      for (let hour = 0; hour < 14 * 24; hour += 6) {
        h.openai.addUsage({ projectId: h.projects.research, apiKeyId: null, model: 'gpt-4o-mini', hour: day(1) + hour * 3600, inputTokens: 1_000_000, outputTokens: 200_000 });
      }
      await h.app.pollSpendNow();
      const calls = h.openai.callsTo('GET', /usage\/completions$/).slice(usageCalls);
      expect(calls.length).toBeGreaterThanOrEqual(2);
      expect(calls.slice(1).every((c) => typeof c.query.page === 'string')).toBe(true);
      const record = JSON.parse((await h.redis.get(`${h.namespace}:{kw}:spend:${h.projects.research}`)) ?? '{}');
      expect(record.spend.costCents).toBe(450);
      expect(record.spend.estimateCents).toBeGreaterThan(0);
      await h.stop();
    });

  });
});

describe('alerts in true numbers and words', () => {
  keywardenForSuite((started) => (h = started), { clock: suiteClock(SPEND_BASE) });
  const seconds = (ms: number) => Math.floor(ms / 1000);

  describe('exact totals', () => {
    it('$0.004 billed on each of three days is 1 cent, as on the sandbox page (each day rounded to 0 cents before)', async () => {
      const tiny = h.openai.addProject({ name: 'Tiny Spend' }).id;
      for (const d of [10, 11, 12]) h.openai.addCost({ projectId: tiny, day: day(d), usd: 0.004 });
      h.openai.setCostValueForm('string');
      await h.app.pollSpendNow();
      h.openai.setCostValueForm('number');
      const total = JSON.parse((await h.redis.hget(`${h.namespace}:{kw}:spend:totals:2026-11`, tiny)) ?? '{}') as { cents?: number };
      expect(total.cents).toBe(1);
    });
  });

  describe('several thresholds crossed in one poll', () => {
    it('posts one alert, for the highest, naming the others; the lower ones are claimed and never post later', async () => {
      const id = h.openai.addProject({ name: 'Burst Project' }).id;
      await setLimits(h, 'Burst Project', id, 'soft 100 hard 5000 at 50,80,100');
      // $85 at once: 50% and 80% in one poll (the instance: "reached 50% … $738 of $600" was one reply per threshold)
      h.openai.addCost({ projectId: id, day: day(14), usd: 85 });
      const report = await h.app.pollSpendNow();
      expect(report.alertsClaimed).toBe(2);
      const status = await h.waitFor(statusOf(h, id), 20_000);
      const [only, ...extra] = await repliesSettled(h, status.ts, 1);
      expect(extra).toHaveLength(0);
      expect(nameOf(only as SlackMessage)).toMatch(/\.soft\.80$/);
      expect(only?.text).toContain('has reached *80%* of its soft limit: $85.00 spent of $100.00 this month. Since the last check it also passed 50% of its soft limit.');
      expect(await h.redis.keys(`${h.namespace}:{kw}:ledger:alert.${id}.2026-11.v*.soft.50`)).toHaveLength(1);

      // later polls never tell 50% on its own
      expect((await h.app.pollSpendNow()).alertsClaimed).toBe(0);
      await pause(1_200);
      expect(repliesTo(h, status.ts)).toHaveLength(1);

      // one threshold later: its own reply, naming nothing else
      h.openai.addCost({ projectId: id, day: day(15), usd: 20 });
      expect((await h.app.pollSpendNow()).alertsClaimed).toBe(1);
      const after = await repliesSettled(h, status.ts, 2);
      expect(after.map(nameOf)).toEqual([nameOf(only as SlackMessage), expect.stringMatching(/\.soft\.100$/)]);
      expect(after[1]?.text).not.toContain('also passed');
    });
  });

  describe('the hard cap, in OpenAI words', () => {
    it('says enforcement is pending while OpenAI reports the cap inactive, forecasts nothing, and updates the notice once OpenAI enforces', async () => {
      const id = h.openai.addProject({ name: 'Capped Project' }).id;
      await setLimits(h, 'Capped Project', id, 'soft 100 hard 150 at 50,80');
      // OpenAI bills $140 through the 14th; $20 of usage on the 15th is not billed yet: keywarden counts $160, OpenAI
      // enforces on what it billed, so it reports the cap inactive.
      h.openai.addCost({ projectId: id, day: day(14), usd: 140 });
      h.openai.addUsage({ projectId: id, apiKeyId: null, model: 'gpt-4o', hour: seconds(Date.UTC(2026, 10, 15, 2)), inputTokens: 0, outputTokens: 2_000_000 });
      expect(h.openai.spendLimit(id)).toMatchObject({ threshold_amount: 15_000, status: 'inactive' });
      const first = await h.app.pollSpendNow();
      expect(first.alertsClaimed).toBe(3); // 50%, 80% and the cap: one notice, for the cap
      const status = await h.waitFor(statusOf(h, id), 20_000);
      const [notice, ...extra] = await repliesSettled(h, status.ts, 1);
      expect(extra).toHaveLength(0);
      expect(nameOf(notice as SlackMessage)).toMatch(/\.hard\.100$/);
      expect(notice?.text).toContain('*Capped Project* has reached its hard cap of $150.00 ($160.00 spent this month).');
      expect(notice?.text).toContain('Since the last check it also passed 50% and 80% of its soft limit.');
      expect(notice?.text).toContain('OpenAI does not report the cap as enforced yet');
      expect(notice?.text).not.toMatch(/refusing this project/);
      const statusText = JSON.stringify(h.slack.message(SPEND_CHANNEL, status.ts)?.blocks);
      expect(statusText).toContain('*Forecast* none: the hard cap is reached.');
      expect(statusText).not.toMatch(/by month end/);
      expect(statusText).not.toMatch(/refusing/);

      // polling on while OpenAI still does not enforce changes nothing
      await h.app.pollSpendNow();
      await pause(1_200);
      const noticeUpdates = () => h.slack.callsTo('chat.update').filter((c) => c.ok && c.args.ts === notice?.ts);
      expect(noticeUpdates()).toHaveLength(0);

      // OpenAI bills the 15th and now enforces: the same notice is updated, once, and the status message with it
      h.openai.addCost({ projectId: id, day: day(15), usd: 20 });
      expect(h.openai.spendLimit(id)?.status).toBe('enforcing');
      expect((await h.app.pollSpendNow()).alertsClaimed).toBe(0);
      await h.waitFor(() => noticeUpdates().length > 0 || undefined, 20_000);
      await h.app.pollSpendNow();
      await pause(1_500);
      expect(noticeUpdates()).toHaveLength(1);
      const updated = h.slack.message(SPEND_CHANNEL, notice?.ts ?? '') ?? h.slack.thread(SPEND_CHANNEL, status.ts).find((m) => m.ts === notice?.ts);
      expect(updated?.text).toContain("*OpenAI is now refusing this project's requests*");
      expect(repliesTo(h, status.ts)).toHaveLength(1);
      expect(JSON.stringify(h.slack.message(SPEND_CHANNEL, status.ts)?.blocks)).toContain("OpenAI is refusing this project's requests");
    });
  });
});

describe('reading caps within OpenAI’s Admin API limits', () => {
  describe('an hour of polls over 24 capped projects far from their caps and one near it', () => {
    const clock = suiteClock(SPEND_BASE);
    keywardenForSuite((started) => (h = started), { clock });
    const far: string[] = [];
    let near = '';
    beforeAll(async () => {
      for (let i = 1; i <= 24; i += 1) {
        const name = `Rotation ${String(i).padStart(2, '0')}`;
        const { id } = h.openai.addProject({ name });
        far.push(id);
        h.openai.addCost({ projectId: id, day: day(14), usd: 10 });
        await setLimits(h, name, id, 'hard 1000');
      }
      near = h.openai.addProject({ name: 'Nearly There' }).id;
      h.openai.addCost({ projectId: near, day: day(14), usd: 85 });
      await setLimits(h, 'Nearly There', near, 'hard 100');
      h.openai.setRateLimits({ spendLimitReadsPerMinute: 7 });
    }, 120_000);

    it('reads the one near its cap every poll and every other at least once an hour, at most 1 + ceil(24/12) reads a poll', async () => {
      const readsByPoll: string[][] = [];
      for (let poll = 1; poll <= 13; poll += 1) {
        const { reads, pages, all } = await pollAfter(h, clock, TICK);
        const read = reads.map(projectOf);
        readsByPoll.push(read);
        expect(reads.every((c) => c.status === 200)).toBe(true);
        expect(read).toContain(near);
        // at most 2 + pages + 1 near its cap + ceil(24 / 12)
        expect(pages).toHaveLength(2);
        expect(all.length).toBeLessThanOrEqual(2 + 1 + Math.ceil(24 / 12));
        expect(reads.length).toBeLessThanOrEqual(1 + Math.ceil(24 / 12));
      }
      // every window of 12 polls (55 minutes apart at most) read every project
      for (const window of [readsByPoll.slice(0, 12), readsByPoll.slice(1, 13)]) {
        const seen = new Set(window.flat());
        expect(far.filter((id) => !seen.has(id))).toEqual([]);
      }
    }, 180_000);
  });
});
