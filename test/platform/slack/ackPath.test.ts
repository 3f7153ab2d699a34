/**
 * The slash-command ack path of the real app (HTTP mode, real Redis, the Slack and OpenAI emulators): nothing but
 * the ack stands between a command and its answer, and work after an ack waits for the other requests' acks.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../../support/harness.js';
import { USERS } from '../../support/workspace.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.stop());

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe('the ack path', () => {
  it('asks Slack auth.test once for the bot token, not before every command it acknowledges', async () => {
    // the first request may ask (the answer is kept from then on)
    await h.driver.slashCommand({ userId: USERS.requester, text: 'help' });
    const before = h.slack.callsTo('auth.test').length;
    for (let i = 0; i < 5; i += 1) {
      const res = await h.driver.slashCommand({ userId: USERS.requester, text: 'help' });
      expect(res.status).toBe(200);
    }
    expect(h.slack.callsTo('auth.test').length).toBe(before);
  });

  it('answers a command through its response_url only after another request that arrived first has been acknowledged', async () => {
    // A Slack request whose body is still on its way: it has arrived and is waiting for its ack.
    const url = new URL(`http://127.0.0.1:${h.app.port}/slack/events`);
    const pending = request(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': '1000' } });
    const pendingAnswered = new Promise<number>((resolve) => {
      pending.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      pending.on('error', () => resolve(0));
    });
    pending.flushHeaders();
    await sleep(50);

    const ack = await h.driver.slashCommand({ userId: USERS.requester, text: `request ${h.projects.support} answer support tickets faster` });
    expect(ack.status).toBe(200);
    const answers = () => h.slack.responseUrlPosts.filter((p) => p.url === ack.responseUrl);
    // well before the longest wait (250 ms), the request is still held back: the other request has no ack yet
    await sleep(120);
    expect(answers()).toHaveLength(0);

    // the other request completes (Slack would refuse its signature: it is answered 401) and the answer follows
    pending.end('x'.repeat(1000));
    expect(await pendingAnswered).toBe(401);
    const [answer] = await h.waitFor(() => (answers().length > 0 ? answers() : null), 10_000);
    expect(String((answer?.body as { text?: string }).text)).toMatch(/^Request sent/);
  });
});
