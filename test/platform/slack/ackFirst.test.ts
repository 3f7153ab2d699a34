import { describe, expect, it } from 'vitest';
import { createAckFirstGate } from '../../../src/platform/slack/ackFirst.js';

const turn = () => new Promise<void>((r) => setImmediate(r));
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe('acks first', () => {
  it('keeps post-ack work parked while another request waits for its ack, and lets it go once that one is answered', async () => {
    const gate = createAckFirstGate({ maxWaitMs: 5_000 });
    const answeredFirst = gate.arrived();
    const answeredSecond = gate.arrived();
    answeredFirst();
    let released = false;
    void gate.afterAck().then(() => (released = true));
    await sleep(30);
    expect(released).toBe(false);
    expect(gate.parked).toBe(1);
    answeredSecond();
    answeredSecond(); // idempotent: a response's finish and close both call it
    expect(gate.unanswered).toBe(0);
    await turn();
    await turn();
    expect(released).toBe(true);
    expect(gate.parked).toBe(0);
  });

  it('counts a request that arrives in the same turn as the last ack, before letting parked work go', async () => {
    const gate = createAckFirstGate({ maxWaitMs: 5_000 });
    const answered = gate.arrived();
    let released = false;
    void gate.afterAck().then(() => (released = true));
    answered();
    const later = gate.arrived(); // same turn, before the check phase
    await turn();
    await turn();
    expect(released).toBe(false);
    later();
    await turn();
    await turn();
    expect(released).toBe(true);
  });

  it('lets parked work go after maxWaitMs even while requests stay unanswered (steady traffic cannot starve it)', async () => {
    const gate = createAckFirstGate({ maxWaitMs: 40 });
    gate.arrived();
    const started = performance.now();
    await gate.afterAck();
    expect(performance.now() - started).toBeGreaterThanOrEqual(35);
    expect(gate.unanswered).toBe(1);
    expect(gate.parked).toBe(0);
  });

  it('does not hold work when nothing is waiting for an ack', async () => {
    const gate = createAckFirstGate({ maxWaitMs: 5_000 });
    const started = performance.now();
    await gate.afterAck();
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});
