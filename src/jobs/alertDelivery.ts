/**
 * Delivering a claimed spend alert to Slack, exactly once even across retries and crashes: the month's status
 * message for the project is posted on its first alert and updated in place after that; each alert adds one reply
 * in its thread (hard-cap notices broadcast to the channel). Every post carries Slack message metadata naming it,
 * so a retry after an unknown outcome first looks in the channel for what it may already have posted.
 */
import type { WebClient } from '@slack/web-api';
import type { Alert } from '../domain/spend/alerts.js';
import type { ProjectRef } from '../domain/projects.js';
import { renderAlertReply, renderChannelFallbackNote, renderSpendStatus } from '../slack/render/spend/index.js';
import type { RenderedMessage } from '../slack/render/index.js';
import type { LimitsStore } from '../store/limits.js';
import type { RequestStore } from '../store/requests.js';
import type { SpendStore } from '../store/spend.js';

export interface AlertDeliveryDeps {
  readonly web: Pick<WebClient, 'chat' | 'conversations'>;
  readonly spend: SpendStore;
  readonly limits: Pick<LimitsStore, 'get'>;
  readonly requests: Pick<RequestStore, 'projectOwners' | 'findByKey' | 'get'>;
  readonly projects: { list(): Promise<ProjectRef[]> };
  readonly approvers: readonly string[];
  readonly alertChannel: string;
  readonly clock: () => number;
  /** runs a Slack call through the queue's per-channel pacing and 429 handling */
  readonly paced: <T>(channel: string, run: () => Promise<T>, post?: boolean) => Promise<T>;
  readonly onAlertPosted?: (alert: Alert) => void;
}

const UNREACHABLE = new Set(['channel_not_found', 'not_in_channel', 'is_archived']);
const METADATA_EVENT = 'keywarden_post';

interface Posted {
  readonly channel: string;
  readonly ts: string;
  /** the alert whose delivery made the post, when known */
  readonly postedBy: string | null;
}

/** One delivery per project and month at a time, so two alerts of one poll cannot both post a status message. */
export async function deliverAlert(deps: AlertDeliveryDeps, identity: string, owner: string): Promise<'delivered' | 'gone' | 'busy'> {
  const alert = await deps.spend.claimedAlert(identity);
  if (!alert) return 'gone';
  const lock = `delivery.${alert.projectId}.${alert.month}`;
  if (!(await deps.spend.lock(lock, owner, 20_000))) return 'busy';
  try {
    return await deliverLocked(deps, identity);
  } finally {
    await deps.spend.unlock(lock, owner);
  }
}

async function deliverLocked(deps: AlertDeliveryDeps, identity: string): Promise<'delivered' | 'gone'> {
  const alert = await deps.spend.claimedAlert(identity);
  const record = alert ? await deps.spend.projectSpend(alert.projectId) : null;
  if (!alert || !record) return 'gone';
  const limits = await deps.limits.get(alert.projectId);
  const project = { id: alert.projectId, name: limits?.projectName ?? (await deps.projects.list()).find((p) => p.id === alert.projectId)?.name ?? alert.projectId };
  const now = deps.clock();

  const keyLabels = new Map<string, string>();
  for (const { apiKeyId } of record.spend.byKey.slice(0, 3)) {
    if (!apiKeyId) continue;
    const requestId = await deps.requests.findByKey(apiKeyId);
    const request = requestId ? await deps.requests.get(requestId) : null;
    if (request?.redactedKey) keyLabels.set(apiKeyId, `${request.redactedKey} (<@${request.requesterId}>)`);
  }
  const status = renderSpendStatus({ project, spend: record.spend, limits, enforcement: record.enforcement, now, keyLabels });
  const wanted = limits?.channelId ?? deps.alertChannel;

  const statusName = `status.${alert.projectId}.${alert.month}`;
  const parent = await postOnce(deps, statusName, wanted, null, status, { by: identity });
  const owners = alert.kind === 'hard' ? await deps.requests.projectOwners(alert.projectId) : [];
  const reply = renderAlertReply(alert, { project, ownerIds: owners, approverIds: deps.approvers.filter((id) => /^[UW]/.test(id)) });
  await postOnce(deps, `reply.${identity}`, parent.channel, parent.ts, reply, { broadcast: reply.broadcast });
  // The reply first, then the update: a reply held back by pacing is retried before the message changes, so each
  // alert updates the status message once. The alert that posted the message has nothing to update.
  if (parent.postedBy !== identity) {
    await deps.paced(parent.channel, () => deps.web.chat.update({ channel: parent.channel, ts: parent.ts, text: status.text, blocks: status.blocks }), false);
  }
  deps.onAlertPosted?.(alert);
  return 'delivered';
}

/** Posts `message` once under `name`: a retry after an unknown outcome finds the earlier post by its metadata. */
async function postOnce(
  deps: AlertDeliveryDeps,
  name: string,
  channel: string,
  threadTs: string | null,
  message: RenderedMessage,
  opts: { readonly broadcast?: boolean; readonly by?: string } = {},
): Promise<Posted> {
  const broadcast = opts.broadcast ?? false;
  const marker = await deps.spend.postMarker(name);
  if (marker.kind === 'posted') {
    const [where, ts, by] = marker.ts.split('|');
    return { channel: where ?? channel, ts: ts ?? '', postedBy: by || null };
  }
  if (marker.kind === 'attempted') {
    const found = await findEarlierPost(deps, name, [channel, deps.alertChannel], threadTs);
    if (found) {
      await deps.spend.markPosted(name, `${found.channel}|${found.ts}|`);
      return { ...found, postedBy: null };
    }
  }
  await deps.spend.markAttempted(name);
  const metadata = { event_type: METADATA_EVENT, event_payload: { name } };
  const post = (target: string, body: RenderedMessage) =>
    deps.paced(target, () => {
      const common = { channel: target, text: body.text, blocks: body.blocks, metadata, unfurl_links: false };
      if (!threadTs) return deps.web.chat.postMessage(common);
      return deps.web.chat.postMessage(broadcast ? { ...common, thread_ts: threadTs, reply_broadcast: true } : { ...common, thread_ts: threadTs });
    });
  let target = channel;
  let posted;
  try {
    posted = await post(target, message);
  } catch (error) {
    const code = (error as { data?: { error?: string } }).data?.error;
    if (!code || !UNREACHABLE.has(code) || threadTs || channel === deps.alertChannel) throw error;
    // The project's channel is gone or keywarden was removed from it: post in the default channel, and say why.
    target = deps.alertChannel;
    const note = renderChannelFallbackNote(channel, code);
    posted = await post(target, { text: `${message.text}\n${note.text}`, blocks: [...message.blocks, ...note.blocks].slice(0, 50) });
  }
  const ts = posted.ts as string;
  await deps.spend.markPosted(name, `${target}|${ts}|${opts.by ?? ''}`);
  return { channel: target, ts, postedBy: opts.by ?? null };
}

async function findEarlierPost(
  deps: AlertDeliveryDeps,
  name: string,
  channels: readonly string[],
  threadTs: string | null,
): Promise<{ channel: string; ts: string } | null> {
  for (const channel of new Set(channels)) {
    try {
      const answer = threadTs
        ? await deps.web.conversations.replies({ channel, ts: threadTs, include_all_metadata: true, limit: 200 })
        : await deps.web.conversations.history({ channel, include_all_metadata: true, limit: 200 });
      const match = (answer.messages ?? []).find((m) => (m.metadata as { event_payload?: { name?: string } } | undefined)?.event_payload?.name === name);
      if (match?.ts) return { channel, ts: match.ts };
    } catch {
      // A channel we cannot read cannot hold our earlier post either.
    }
  }
  return null;
}
