/** A small emulated workspace built without HTTP, with a clock the test moves, for the workspace's unit tests. */
import { SlackWorkspace } from '../../../../src/emulators/slack/workspace.js';
import type { SlackChange } from '../../../../src/emulators/slack/types.js';

export const ALICE = { id: 'U0ALICE', name: 'alice' };
export const BOB = { id: 'U0BOB', name: 'bob' };
export const CAROL = { id: 'U0CAROL', name: 'carol' };
export const GENERAL = { id: 'C0GENERAL', name: 'general' };
export const SECRET = { id: 'G0SECRET', name: 'secret', members: [ALICE.id] };
export const OUTSIDE = { id: 'C0OUTSIDE', name: 'outside', botIsMember: false };
export const BOT_USER_ID = 'U0BOT';

export interface TestWorkspace {
  workspace: SlackWorkspace;
  /** Every change the workspace announced, in order. */
  changes: SlackChange[];
  /** Moves the workspace clock forward, in ms. */
  advance(ms: number): void;
}

/** The workspace with alice, bob and carol, #general (everyone), a private channel and one the bot is not in. */
export function newWorkspace(): TestWorkspace {
  let clock = 1_763_800_000_000;
  const workspace = new SlackWorkspace({
    teamId: 'T0TEAM',
    botUserId: BOT_USER_ID,
    botId: 'B0BOT',
    appId: 'A0APP',
    now: () => clock,
    users: [ALICE, BOB, CAROL],
    usergroups: [{ id: 'S0ADMINS', handle: 'admins', users: [ALICE.id] }],
    channels: [GENERAL, SECRET, OUTSIDE],
  });
  workspace.baseUrl = 'http://127.0.0.1:1';
  const changes: SlackChange[] = [];
  workspace.onChange((change) => changes.push(change));
  return { workspace, changes, advance: (ms) => (clock += ms) };
}
