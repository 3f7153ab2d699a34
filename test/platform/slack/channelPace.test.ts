import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChannelPacer } from '../../../src/platform/slack/channelPace.js';
import { openTestNamespace, type TestNamespace } from '../../support/testNamespace.js';

let ns: TestNamespace;
beforeAll(async () => {
  ns = await openTestNamespace();
});
afterAll(async () => ns.close());

describe('channel turns (real Redis)', () => {
  it('gives each waiting post its own turn, one pace apart, and lets it through when its turn comes', async () => {
    let now = 1_000_000;
    const pacer = createChannelPacer(ns.redis, (c) => `${ns.keys.pace(c)}:turns`, 1_000, () => now);
    const waits = [];
    for (const ticket of ['a', 'b', 'c', 'd', 'e']) waits.push(await pacer.turn('C0APPROVALS', ticket));
    expect(waits).toEqual([0, 1_000, 2_000, 3_000, 4_000]);

    now += 1_000;
    // b's turn has come; c, asked early, keeps its place (it is not sent to the back of the line)
    expect(await pacer.turn('C0APPROVALS', 'b')).toBe(0);
    expect(await pacer.turn('C0APPROVALS', 'c')).toBe(1_000);
    // a newcomer goes after e
    expect(await pacer.turn('C0APPROVALS', 'f')).toBe(4_000);
    // another channel has its own turns
    expect(await pacer.turn('C0GENERAL01', 'g')).toBe(0);
  });

  it('costs one reservation per waiting post, not one attempt per post every pace, for a backlog', async () => {
    let now = 5_000_000;
    const pacer = createChannelPacer(ns.redis, (c) => `${ns.keys.pace(c)}:turns`, 1_000, () => now);
    // 50 jobs; each is asked when it first runs and again when its delay ends (as BullMQ brings a delayed job back)
    const due = new Map<string, number>();
    let asked = 0;
    let posted = 0;
    for (let i = 0; i < 50; i += 1) {
      asked += 1;
      const wait = await pacer.turn('C0BACKLOG1', `job${i}`);
      if (wait === 0) posted += 1;
      else due.set(`job${i}`, now + wait);
    }
    while (due.size > 0) {
      now = Math.min(...due.values());
      for (const [ticket, at] of [...due]) {
        if (at > now) continue;
        asked += 1;
        const wait = await pacer.turn('C0BACKLOG1', ticket);
        if (wait === 0) {
          posted += 1;
          due.delete(ticket);
        } else due.set(ticket, now + wait);
      }
    }
    expect(posted).toBe(50);
    expect(asked).toBe(99);
    expect(now).toBe(5_000_000 + 49 * 1_000);
  });

  it('holds a channel after a 429 for the Retry-After, then gives turns after it', async () => {
    let now = 9_000_000;
    const pacer = createChannelPacer(ns.redis, (c) => `${ns.keys.pace(c)}:turns`, 1_000, () => now);
    await pacer.hold('C0HELD0001', 30_000);
    expect(await pacer.turn('C0HELD0001', 'x')).toBe(30_000);
    now += 30_000;
    expect(await pacer.turn('C0HELD0001', 'x')).toBe(0);
  });

  it('moves a turn given before a 429 past its Retry-After, so nothing posts while Slack said to wait', async () => {
    let now = 12_000_000;
    const pacer = createChannelPacer(ns.redis, (c) => `${ns.keys.pace(c)}:turns`, 1_000, () => now);
    expect(await pacer.turn('C0HELD0002', 'a')).toBe(0);
    expect(await pacer.turn('C0HELD0002', 'b')).toBe(1_000);
    expect(await pacer.turn('C0HELD0002', 'c')).toBe(2_000);
    // a's post was answered 429 with Retry-After 5 s
    await pacer.hold('C0HELD0002', 5_000);
    now += 1_000;
    // b's turn has come, but it lies inside the hold: b waits past it, and c keeps its place after b
    const waitB = await pacer.turn('C0HELD0002', 'b');
    expect(now + waitB).toBeGreaterThanOrEqual(12_000_000 + 5_000);
    now += waitB;
    expect(await pacer.turn('C0HELD0002', 'b')).toBe(0);
    now += 1_000;
    const waitC = await pacer.turn('C0HELD0002', 'c');
    expect(now + waitC).toBeGreaterThanOrEqual(12_000_000 + 5_000 + 1_000);
  });
});
