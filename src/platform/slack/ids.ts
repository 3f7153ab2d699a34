/**
 * Every Slack action id, view callback id, block id, slash command word and workflow step id keywarden uses, in one place.
 * Listeners register against these; renderers put them on elements. Nothing else spells them.
 */
export const ACTION = {
  approveRequest: 'kw.request.approve',
  denyRequest: 'kw.request.deny',
  revealKey: 'kw.key.reveal',
  /** "Send another request" under a duplicate-request warning; its value is a stored draft's id */
  sendAnotherRequest: 'kw.request.send_another',
  requestHigherCap: 'kw.limit.request_higher_cap',
  approveLimitChange: 'kw.limit.approve',
  denyLimitChange: 'kw.limit.deny',
} as const;
export type ActionId = (typeof ACTION)[keyof typeof ACTION];

export const VIEW = {
  requestKey: 'kw.view.request_key',
  denyReason: 'kw.view.deny_reason',
  revealedKey: 'kw.view.revealed_key',
  limitChange: 'kw.view.limit_change',
} as const;
export type ViewId = (typeof VIEW)[keyof typeof VIEW];

/** block_id / action_id pairs inside modals, so that view_submission values can be read back. */
export const INPUT = {
  project: { block: 'kw.in.project', action: 'kw.in.project.select' },
  purpose: { block: 'kw.in.purpose', action: 'kw.in.purpose.text' },
  lifetime: { block: 'kw.in.lifetime', action: 'kw.in.lifetime.days' },
  reason: { block: 'kw.in.reason', action: 'kw.in.reason.text' },
  limitSoft: { block: 'kw.in.limit.soft', action: 'kw.in.limit.soft.amount' },
  limitHard: { block: 'kw.in.limit.hard', action: 'kw.in.limit.hard.amount' },
  limitThresholds: { block: 'kw.in.limit.at', action: 'kw.in.limit.at.list' },
  limitReason: { block: 'kw.in.limit.reason', action: 'kw.in.limit.reason.text' },
} as const;

export const SLASH_COMMAND = '/openai-key';


/** The callback_ids of keywarden's Workflow Builder steps, as manifest.yml declares them under `functions`. */
export const STEP = {
  requestKey: 'request_openai_key',
  projectSpend: 'get_project_spend',
} as const;
