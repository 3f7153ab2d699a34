/** `what` got no answer within `ms` milliseconds (withDeadline's rejection). */
export class DeadlinePassed extends Error {
  constructor(
    readonly what: string,
    readonly ms: number,
  ) {
    super(`${what}: no answer within ${ms} ms`);
    this.name = 'DeadlinePassed';
  }
}

/**
 * Settles like `promise`, or rejects with `DeadlinePassed` once `ms` pass without an answer (a rejection that is not
 * an Error is wrapped in one). The timer never keeps the process alive.
 */
export function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new DeadlinePassed(what, ms)), ms);
    timer.unref();
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
