/** One log line per Slack request: what it was, who sent it, how long keywarden took, under a request id. */
import { randomUUID } from 'node:crypto';
import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import type { Logger } from 'pino';
import { classifySlackRequest } from '../ops/metrics.js';

export function logSlackRequests(log: Logger): Middleware<AnyMiddlewareArgs> {
  return async ({ body, next }) => {
    const started = performance.now();
    const b = body as { event_id?: string; trigger_id?: string; user?: { id?: string }; user_id?: string; event?: { user?: string } };
    const requestId = b.event_id ?? b.trigger_id ?? randomUUID();
    const what = classifySlackRequest(body);
    const user = b.user?.id ?? b.user_id ?? b.event?.user;
    try {
      await next();
      log.info({ requestId, kind: what?.kind, name: what?.name, user, ms: Math.round(performance.now() - started) }, 'slack request');
    } catch (error) {
      log.warn({ requestId, kind: what?.kind, name: what?.name, user, ms: Math.round(performance.now() - started), error: (error as Error).message }, 'slack request failed');
      throw error;
    }
  };
}
