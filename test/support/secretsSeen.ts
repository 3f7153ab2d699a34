/**
 * Where keywarden's own secrets must never appear: anything it said in Slack and anything it logged. For the
 * security e2e tests of the limits and spend flows (an issued key's own scan is test/keys/e2e/security.test.ts).
 */
import { expect } from 'vitest';
import { USERS, type Harness } from './harness.js';
import { APPROVAL_CHANNEL, GENERAL_CHANNEL, PRIVATE_CHANNEL, SPEND_CHANNEL } from './workspace.js';

/** The secrets keywarden is given, by their variable: Slack's bot token and signing secret, OpenAI's admin key, KEYWARDEN_SECRET. */
export function secretsGiven(h: Harness): Record<string, string> {
  const names = ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'OPENAI_ADMIN_KEY', 'KEYWARDEN_SECRET'];
  return Object.fromEntries(names.map((name) => [name, h.env[name] ?? '']));
}

/**
 * Everything keywarden said in Slack, by where, as text: every Web API call it made (tokens removed by the
 * emulator), every message and thread reply in the workspace's channels and DMs, every ephemeral, modal and
 * response_url post; and its log lines.
 */
export function slackAndLogs(h: Harness): { readonly slackCalls: string; readonly logs: string } & Record<string, string> {
  const channels = [APPROVAL_CHANNEL, GENERAL_CHANNEL, SPEND_CHANNEL, PRIVATE_CHANNEL, ...Object.values(USERS).map((u) => h.slack.dmChannelOf(u))];
  return {
    slackCalls: JSON.stringify(h.slack.calls),
    messages: JSON.stringify(channels.map((c) => [h.slack.messages(c), ...h.slack.messages(c).map((m) => h.slack.thread(c, m.ts))])),
    ephemerals: JSON.stringify(Object.values(USERS).map((u) => h.slack.ephemerals(u))),
    views: JSON.stringify(h.slack.views()),
    responseUrls: JSON.stringify(h.slack.responseUrlPosts),
    logs: h.logLines.join(''),
  };
}

/** Asserts that no secret keywarden is given (nor a 20-character run of one) is in what it said in Slack or logged. */
export function expectNoSecretsSaid(h: Harness): void {
  const said = slackAndLogs(h);
  expect(said.logs.length).toBeGreaterThan(1000); // the logs really hold the flows (LOG_LEVEL is debug)
  expect(said.slackCalls.length).toBeGreaterThan(1000);
  for (const [name, secret] of Object.entries(secretsGiven(h))) {
    expect(secret.length, `${name} is set`).toBeGreaterThanOrEqual(8);
    const runs = secret.length >= 28 ? [secret, secret.slice(8, 28)] : [secret];
    for (const [where, text] of Object.entries(said)) {
      for (const run of runs) expect(text.includes(run), `${name} (or a long part of it) found in ${where}`).toBe(false);
    }
  }
}
