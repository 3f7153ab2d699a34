/**
 * Delivering a claimed spend alert to Slack, exactly once even across retries and crashes: the month's status
 * message for the project is posted on its first alert and updated in place after that; each alert adds one reply
 * in its thread (hard-cap notices broadcast to the channel). Every post carries Slack message metadata naming it,
 * so a retry after an unknown outcome first looks in the channel for what it may already have posted.
 */
import type { Alert } from '../domain/spend/alerts.js';
import type { ProjectRef } from '../domain/projects.js';
import { renderAlertReply, renderChannelFallbackNote, renderSpendStatus } from '../slack/render/spend/index.js';
import { postOnce, type PostOnceDeps } from './postOnce.js';
import type { RenderedMessage } from '../slack/render/index.js';
import type { LimitsStore } from '../store/limits.js';
import type { RequestStore } from '../store/requests.js';
import type { SpendStore } from '../store/spend.js';

export interface AlertDeliveryDeps extends PostOnceDeps {
  readonly spend: SpendStore;
  readonly limits: Pick<LimitsStore, 'get'>;
  readonly requests: Pick<RequestStore, 'projectOwners' | 'findByKey' | 'get'>;
  readonly projects: { list(): Promise<ProjectRef[]> };
  readonly approvers: readonly string[];
  readonly alertChannel: string;
  readonly clock: () => number;
  readonly onAlertPosted?: (alert: Alert) => void;
}

const UNREACHABLE = new Set(['channel_not_found', 'not_in_channel', 'is_archived']);

/**
 * One delivery per project and month at a time, so two alerts of one poll cannot both post a status message; and
 * the one delivering tells every alert of that project and month not yet told, in the order they were claimed, so
 * the thread reads 50%, 80%, 100% whatever order their jobs ran in.
 */
export async function deliverAlert(deps: AlertDeliveryDeps, identity: string, owner: string): Promise<'delivered' | 'gone' | 'busy'> {
  const alert = await deps.spend.claimedAlert(identity);
  if (!alert) return 'gone';
  const lock = `delivery.${alert.projectId}.${alert.month}`;
  if (!(await deps.spend.lock(lock, owner, 20_000))) return 'busy';
  try {
    const claimed = await deps.spend.claimedAlertsOf(alert.projectId, alert.month);
    const told = await deps.markers.posted(claimed.map((a) => `reply.${a.identity}`));
    const untold = claimed.filter((_, i) => !told[i]);
    if (untold.length === 0) return 'delivered';
    // What the status message shows is the same for every alert told now: read and rendered once.
    const status = await renderProjectStatus(deps, alert.projectId);
    if (!status) return 'gone';
    for (const next of untold) await deliverOne(deps, next, status);
    return 'delivered';
  } finally {
    await deps.spend.unlock(lock, owner);
  }
}

interface ProjectStatus {
  readonly project: { readonly id: string; readonly name: string };
  readonly message: RenderedMessage;
  readonly channel: string;
}

async function renderProjectStatus(deps: AlertDeliveryDeps, projectId: string): Promise<ProjectStatus | null> {
  const record = await deps.spend.projectSpend(projectId);
  if (!record) return null;
  const limits = await deps.limits.get(projectId);
  const project = { id: projectId, name: limits?.projectName ?? (await deps.projects.list()).find((p) => p.id === projectId)?.name ?? projectId };
  const keyLabels = new Map<string, string>();
  for (const { apiKeyId } of record.spend.byKey.slice(0, 3)) {
    if (!apiKeyId) continue;
    const requestId = await deps.requests.findByKey(apiKeyId);
    const request = requestId ? await deps.requests.get(requestId) : null;
    if (request?.redactedKey) keyLabels.set(apiKeyId, request.redactedKey);
  }
  const message = renderSpendStatus({ project, spend: record.spend, limits, enforcement: record.enforcement, now: deps.clock(), keyLabels });
  return { project, message, channel: limits?.channelId ?? deps.alertChannel };
}

async function deliverOne(deps: AlertDeliveryDeps, alert: Alert, status: ProjectStatus): Promise<void> {
  const identity = alert.identity;
  const wanted = status.channel;
  const fallback = (error: unknown) => {
    const code = (error as { data?: { error?: string } }).data?.error;
    if (!code || !UNREACHABLE.has(code) || wanted === deps.alertChannel) return null;
    // The project's channel is gone or keywarden was removed from it: post in the default channel, and say why.
    const note = renderChannelFallbackNote(wanted, code);
    return { channel: deps.alertChannel, message: { text: `${status.message.text}\n${note.text}`, blocks: [...status.message.blocks, ...note.blocks].slice(0, 50) } };
  };
  const parent = await postOnce(deps, `status.${alert.projectId}.${alert.month}`, { channel: wanted, alsoLookIn: [deps.alertChannel] }, status.message, { by: identity, fallback });
  const owners = alert.kind === 'hard' ? await deps.requests.projectOwners(alert.projectId) : [];
  const reply = renderAlertReply(alert, { project: status.project, ownerIds: owners, approverIds: deps.approvers });
  await postOnce(deps, `reply.${identity}`, { channel: parent.channel, threadTs: parent.ts, broadcast: reply.broadcast }, reply);
  // The reply first, then the update: a reply held back by pacing is retried before the message changes, so each
  // alert updates the status message once. The alert that posted the message has nothing to update.
  if (parent.by !== identity) {
    await deps.paced(parent.channel, () => deps.web.chat.update({ channel: parent.channel, ts: parent.ts, text: status.message.text, blocks: status.message.blocks }), false);
  }
  deps.onAlertPosted?.(alert);
}
