import { describe, expect, it } from 'vitest';
import { DeadlinePassed, withDeadline } from '../../../src/platform/ops/deadline.js';

describe('withDeadline', () => {
  it('settles like the promise when it answers in time', async () => {
    await expect(withDeadline(Promise.resolve(42), 1_000, 'the answer')).resolves.toBe(42);
    await expect(withDeadline(Promise.reject(new Error('refused')), 1_000, 'the answer')).rejects.toThrow('refused');
  });

  it('rejects with DeadlinePassed, naming what and how long, when no answer comes in time', async () => {
    const never = new Promise<number>(() => undefined);
    const error = await withDeadline(never, 20, 'the limit form check').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeadlinePassed);
    expect(error).toMatchObject({ what: 'the limit form check', ms: 20, message: 'the limit form check: no answer within 20 ms' });
  });

  it('wraps a rejection that is not an Error in one', async () => {
    await expect(withDeadline(Promise.reject('plain text'), 1_000, 'x')).rejects.toBeInstanceOf(Error);
  });
});
