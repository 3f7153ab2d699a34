/**
 * The Slack workspace and OpenAI organization that keywarden meets in integration and operational tests, both
 * emulated on loopback, and the environment that points keywarden at them. Callers add their own settings on top.
 */
import { randomBytes } from 'node:crypto';
import { startSlackEmulator, type SlackEmulator } from '../../src/emulators/slack/index.js';
import { startOpenAIEmulator, type OpenAIEmulator, type OpenAIEmulatorOptions } from '../../src/emulators/openai/index.js';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const SIGNING_SECRET = 'test-signing-secret-0123456789abcdef';

export const USERS = {
  requester: 'U0REQUESTER',
  approver: 'U0APPROVER1',
  /** an approver through the S0APPROVERS user group */
  groupApprover: 'U0APPROVER2',
  admin: 'U0ADMIN0001',
  outsider: 'U0OUTSIDER1',
} as const;
export const APPROVAL_CHANNEL = 'C0APPROVALS';
export const GENERAL_CHANNEL = 'C0GENERAL01';
export const SPEND_CHANNEL = 'C0SPEND0001';
/** a channel keywarden's bot has not been invited to */
export const PRIVATE_CHANNEL = 'C0NOBOT0001';
export const APPROVER_GROUP = 'S0APPROVERS';

/**
 * The variables that point keywarden at the emulators: Slack's bot token, signing secret and Web API URL, and OpenAI's
 * admin key and base URL. Tests, the harness and the benches add their own Redis, namespace and channels.
 */
export const emulatorEnv = (
  slack: { readonly botToken: string; readonly apiUrl: string },
  openai: { readonly adminKey: string; readonly baseURL: string },
  signingSecret: string = SIGNING_SECRET,
): Record<string, string> => ({
  SLACK_BOT_TOKEN: slack.botToken,
  SLACK_SIGNING_SECRET: signingSecret,
  SLACK_API_URL: slack.apiUrl,
  OPENAI_ADMIN_KEY: openai.adminKey,
  OPENAI_BASE_URL: openai.baseURL,
});

export interface EmulatedWorkspace {
  readonly slack: SlackEmulator;
  readonly openai: OpenAIEmulator;
  readonly projects: { readonly support: string; readonly research: string; readonly archived: string };
  /** the emulators' tokens and URLs, Redis and the namespace, the channels, approvers, admin and a fresh KEYWARDEN_SECRET */
  readonly env: Readonly<Record<string, string>>;
}

export interface EmulatedWorkspaceOptions {
  readonly namespace: string;
  /** the shared Redis by default */
  readonly redisUrl?: string;
  readonly openai?: OpenAIEmulatorOptions;
}

export async function startEmulatedWorkspace(opts: EmulatedWorkspaceOptions): Promise<EmulatedWorkspace> {
  const slack = await startSlackEmulator({
    users: [
      { id: USERS.requester, name: 'riley', realName: 'Riley Requester' },
      { id: USERS.approver, name: 'avery', realName: 'Avery Approver' },
      { id: USERS.groupApprover, name: 'blake', realName: 'Blake Approver' },
      { id: USERS.admin, name: 'adrian', realName: 'Adrian Admin' },
      { id: USERS.outsider, name: 'oscar', realName: 'Oscar Outsider' },
    ],
    usergroups: [{ id: APPROVER_GROUP, handle: 'key-approvers', users: [USERS.groupApprover] }],
    channels: [
      { id: APPROVAL_CHANNEL, name: 'keywarden-approvals' },
      { id: GENERAL_CHANNEL, name: 'general' },
      { id: SPEND_CHANNEL, name: 'openai-spend' },
      { id: PRIVATE_CHANNEL, name: 'finance', botIsMember: false },
    ],
  });
  const openai = await startOpenAIEmulator(opts.openai ?? {});
  const projects = {
    support: openai.addProject({ name: 'Support Bot' }).id,
    research: openai.addProject({ name: 'Research Assistant' }).id,
    archived: openai.addProject({ name: 'Legacy Prototype', status: 'archived' }).id,
  };
  const env: Record<string, string> = {
    ...emulatorEnv(slack, openai),
    REDIS_URL: opts.redisUrl ?? REDIS_URL,
    KEYWARDEN_NAMESPACE: opts.namespace,
    KEYWARDEN_APPROVAL_CHANNEL: APPROVAL_CHANNEL,
    KEYWARDEN_ALERT_CHANNEL: SPEND_CHANNEL,
    KEYWARDEN_APPROVERS: `${USERS.approver},${APPROVER_GROUP}`,
    KEYWARDEN_ADMINS: USERS.admin,
    KEYWARDEN_SECRET: randomBytes(32).toString('base64'),
  };
  return { slack, openai, projects, env };
}

