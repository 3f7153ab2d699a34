import { createHmac } from 'node:crypto';

/** Slack's v0 request signature: 'v0=' + hex HMAC-SHA256 of `v0:${timestamp}:${rawBody}`. */
export function signSlackRequest(signingSecret: string, timestampSeconds: number, rawBody: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestampSeconds}:${rawBody}`).digest('hex')}`;
}
