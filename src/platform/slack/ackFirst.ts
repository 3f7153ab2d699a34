/**
 * Acks first: the work a Slack listener does after `ack()` waits until every Slack request that has reached this
 * process has been answered, so that a burst of commands is acknowledged before any of them starts its slower part.
 *
 * Why: Slack gives an app 3 s to acknowledge (https://api.slack.com/interactivity/slash-commands#responding_basic_receipt)
 * and all of a process's requests share one event loop. Without this, the Redis writes, queue adds and response_url
 * posts of the first commands of a burst run between the acks of the later ones, and those acks wait for them.
 * Measured with bench/ack-vs-bolt.ts (200 signed commands at once, side by side with a bare Bolt app).
 *
 * A request counts from the moment it arrives (HTTP: its headers were read; Socket Mode: its envelope was handed to
 * Bolt) until it is answered (HTTP: the response was sent or the connection closed; Socket Mode: its ack was sent or
 * its handling ended). Parked work is let go, all at once, in the check phase after the event loop found no request
 * still unanswered (so requests whose bytes arrived in the same turn are counted first), or after `maxWaitMs` whatever
 * happens, so that steady traffic cannot hold it back for long and a trigger_id (valid 3 s) can still be used.
 */
export interface AckFirstGate {
  /** A Slack request arrived. Returns the function to call once it has been answered (idempotent). */
  arrived(): () => void;
  /** Resolves once no arrived request is waiting for its answer, or after `maxWaitMs`; never rejects. */
  afterAck(): Promise<void>;
  /** Requests arrived and not yet answered, for metrics and tests. */
  readonly unanswered: number;
  /** Listener continuations waiting in afterAck(), for metrics and tests. */
  readonly parked: number;
}

export interface AckFirstOptions {
  /** the longest any post-ack work waits for a quiet moment, in ms; 250 by default */
  readonly maxWaitMs?: number;
}

/** The default longest wait: well inside a trigger_id's 3 s, and about the time a burst of 200 acks takes. */
export const ACK_FIRST_MAX_WAIT_MS = 250;

export function createAckFirstGate(opts: AckFirstOptions = {}): AckFirstGate {
  const maxWaitMs = opts.maxWaitMs ?? ACK_FIRST_MAX_WAIT_MS;
  let unanswered = 0;
  const parked = new Set<() => void>();
  let check: NodeJS.Immediate | null = null;

  const releaseIfQuiet = () => {
    check = null;
    if (unanswered > 0) return;
    const waiting = [...parked];
    parked.clear();
    for (const release of waiting) release();
  };
  const scheduleCheck = () => {
    if (check === null && parked.size > 0) check = setImmediate(releaseIfQuiet);
  };

  return {
    get unanswered() {
      return unanswered;
    },
    get parked() {
      return parked.size;
    },
    arrived() {
      unanswered += 1;
      let answered = false;
      return () => {
        if (answered) return;
        answered = true;
        unanswered -= 1;
        if (unanswered === 0) scheduleCheck();
      };
    },
    afterAck() {
      return new Promise<void>((resolve) => {
        const release = () => {
          clearTimeout(timer);
          parked.delete(release);
          resolve();
        };
        const timer = setTimeout(release, maxWaitMs);
        parked.add(release);
        scheduleCheck();
      });
    },
  };
}
