/**
 * Reminders and escalation, driven by the clock: with `remind_after: 2s` and `escalate_after: 3s`, a pending
 * request's thread gets exactly one reminder (mentioning the approvers who have not decided) and one escalation
 * (mentioning the admins), even when two replicas run the reconciler at once, and none once it is decided.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { createLogger } from '../../../src/platform/log.js';
import { startKeywarden, type RunningKeywarden } from '../../../src/main.js';
import { APPROVAL_CHANNEL, APPROVE, USERS, startHarness, type Harness } from '../../support/harness.js';
import { sendRequest } from '../../support/requestFlow.js';

const POLICY = `
defaults:
  approvers: [${USERS.approver}, S0APPROVERS]
  remind_after: 2s
  escalate_after: 3s
`;

let now = Date.UTC(2031, 4, 6, 9, 0, 0);
const clock = () => now;
let h: Harness;
let replica: RunningKeywarden;
beforeAll(async () => {
  h = await startHarness({ policy: POLICY, now: clock });
  // a second worker on the same Redis namespace: another replica running the same clock
  const quiet = createLogger({ level: 'silent', destination: new Writable({ write: (_c, _e, done) => done() }) });
  replica = await startKeywarden(h.config, { role: 'worker', clock, log: quiet, host: '127.0.0.1' });
});
afterAll(async () => {
  await replica?.stop();
  await h?.stop();
});

const threadTexts = (ts: string) => h.slack.thread(APPROVAL_CHANNEL, ts).map((m) => m.text);
const bothReconcile = () => Promise.all([h.app.reconcileNow(), replica.reconcileNow(), h.app.reconcileNow(), replica.reconcileNow()]);
const settle = () => new Promise((r) => setTimeout(r, 1_500));

describe('reminders and escalation', () => {
  it('reminds the approvers once and escalates to the admins once, and never nudges a decided request', async () => {
    const waiting = await sendRequest(h, 'request Support Bot route tickets to the right team');
    const decided = await sendRequest(h, 'request Research Assistant cluster abstracts by topic');
    await h.driver.clickButton({ userId: USERS.approver, actionId: APPROVE, value: decided.requestId, channel: APPROVAL_CHANNEL, messageTs: decided.message.ts });
    await h.waitForState(decided.requestId, 'awaiting_reveal');

    now += 1_000;
    await bothReconcile();
    await settle();
    expect(threadTexts(waiting.message.ts).filter((t) => /Reminder/.test(t))).toHaveLength(0);

    now += 1_500; // 2.5 s after the request: the reminder is due, the escalation not yet
    await bothReconcile();
    const reminder = await h.waitFor(() => threadTexts(waiting.message.ts).find((t) => /Reminder/.test(t)));
    expect(reminder).toContain(`<@${USERS.approver}>`);
    expect(reminder).toContain('<!subteam^S0APPROVERS>');
    expect(threadTexts(waiting.message.ts).filter((t) => /nobody has decided/.test(t))).toHaveLength(0);

    now += 1_000; // 3.5 s: the escalation is due
    await bothReconcile();
    const escalation = await h.waitFor(() => threadTexts(waiting.message.ts).find((t) => /nobody has decided/.test(t)));
    expect(escalation).toContain(`<@${USERS.admin}>`);

    now += 5_000;
    await bothReconcile();
    await settle();
    const thread = threadTexts(waiting.message.ts);
    expect(thread.filter((t) => /Reminder/.test(t))).toHaveLength(1);
    expect(thread.filter((t) => /nobody has decided/.test(t))).toHaveLength(1);
    expect((await h.request(waiting.requestId))?.state).toBe('pending');
    const stored = await h.request(waiting.requestId);
    expect(stored?.remindedAt).toBeDefined();
    expect(stored?.escalatedAt).toBeDefined();

    const decidedThread = threadTexts(decided.message.ts);
    expect(decidedThread.some((t) => /Reminder|nobody has decided/.test(t))).toBe(false);
    expect((await h.request(decided.requestId))?.remindedAt).toBeUndefined();
  });
});
