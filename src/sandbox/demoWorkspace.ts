/** The people and channels of the sandbox's emulated Slack workspace, and the environment keywarden reads there. */
import { randomBytes } from 'node:crypto';
import type { SlackChannelSeed, SlackUserSeed, SlackUsergroupSeed } from '../emulators/slack/index.js';

export type DemoRole = 'requester' | 'approver' | 'admin';

export interface DemoUser extends SlackUserSeed {
  readonly realName: string;
  readonly role: DemoRole;
  /** how they come to have their role, shown in the user switcher */
  readonly roleNote: string;
}

export const DEMO_USERS: readonly DemoUser[] = [
  { id: 'U0RILEY', name: 'riley', realName: 'Riley Park', role: 'requester', roleNote: 'requester: asks for keys' },
  { id: 'U0AVERY', name: 'avery', realName: 'Avery Quinn', role: 'approver', roleNote: 'approver: named in KEYWARDEN_APPROVERS' },
  { id: 'U0BLAKE', name: 'blake', realName: 'Blake Ito', role: 'approver', roleNote: 'approver: member of @key-approvers' },
  { id: 'U0ADRIAN', name: 'adrian', realName: 'Adrian Silva', role: 'admin', roleNote: 'admin: named in KEYWARDEN_ADMINS' },
];

export const DEMO_USERGROUP: SlackUsergroupSeed = { id: 'S0KEYAPPROVERS', handle: 'key-approvers', users: ['U0BLAKE'] };

export interface DemoChannel extends SlackChannelSeed {
  readonly topic: string;
}

export const DEMO_CHANNELS = {
  approvals: { id: 'C0APPROVALS', name: 'keywarden-approvals', topic: 'Key requests wait here for an approver' },
  spend: { id: 'C0SPEND', name: 'openai-spend', topic: 'Spend alerts and limit changes' },
  general: { id: 'C0GENERAL', name: 'general', topic: 'Company-wide chatter; try /openai-key help' },
} as const satisfies Record<string, DemoChannel>;

/** Sidebar order. */
export const DEMO_CHANNEL_LIST: readonly DemoChannel[] = [DEMO_CHANNELS.general, DEMO_CHANNELS.approvals, DEMO_CHANNELS.spend];

export const requesterId = (): string => DEMO_USERS.find((u) => u.role === 'requester')!.id;

export interface SandboxEnvInput {
  readonly slack: { readonly botToken: string; readonly apiUrl: string };
  /** Socket Mode: the app-level token the Slack emulator accepts; absent: HTTP (signed requests) */
  readonly appToken?: string;
  readonly openai: { readonly adminKey: string; readonly baseURL: string };
  readonly signingSecret: string;
  readonly redisUrl: string;
  readonly namespace: string;
  readonly logLevel: string;
}

/**
 * The environment keywarden is configured from in the sandbox: emulator tokens and URLs, a fresh KEYWARDEN_SECRET,
 * the demo approvers and admin, and short request and reveal windows. KEYWARDEN_ALERT_CHANNEL and KEYWARDEN_POLL_CRON
 * are for the spend flow; config versions that do not know them ignore them.
 */
export function sandboxEnv(input: SandboxEnvInput): Record<string, string> {
  const approvers = DEMO_USERS.filter((u) => u.role === 'approver' && !DEMO_USERGROUP.users.includes(u.id)).map((u) => u.id);
  const admins = DEMO_USERS.filter((u) => u.role === 'admin').map((u) => u.id);
  return {
    SLACK_BOT_TOKEN: input.slack.botToken,
    SLACK_SIGNING_SECRET: input.signingSecret,
    SLACK_API_URL: input.slack.apiUrl,
    ...(input.appToken ? { SLACK_APP_TOKEN: input.appToken } : {}),
    OPENAI_ADMIN_KEY: input.openai.adminKey,
    OPENAI_BASE_URL: input.openai.baseURL,
    OPENAI_TIMEOUT_MS: '5000',
    REDIS_URL: input.redisUrl,
    KEYWARDEN_NAMESPACE: input.namespace,
    PORT: '0',
    KEYWARDEN_APPROVAL_CHANNEL: DEMO_CHANNELS.approvals.id,
    KEYWARDEN_ALERT_CHANNEL: DEMO_CHANNELS.spend.id,
    KEYWARDEN_POLL_CRON: '*/5 * * * *',
    KEYWARDEN_APPROVERS: [...approvers, DEMO_USERGROUP.id].join(','),
    KEYWARDEN_ADMINS: admins.join(','),
    KEYWARDEN_SECRET: randomBytes(32).toString('base64'),
    KEYWARDEN_REQUEST_TTL: '4h',
    KEYWARDEN_REVEAL_TTL: '1h',
    KEYWARDEN_KEY_DAYS: '30,90',
    LOG_LEVEL: input.logLevel,
  };
}
