/**
 * Delivering a claimed spend alert to Slack, exactly once even across retries and crashes: the month's status
 * message for the project is posted on its first alert and updated in place after that; each alert adds one reply
 * in its thread (hard-cap notices broadcast to the channel). Every post carries Slack message metadata naming it,
 * so a retry after an unknown outcome first looks in the channel for what it may already have posted.
 *
 * Someone may delete the status message. Slack then answers `message_not_found` to chat.update (a reply under
 * the deleted message would still be accepted, and seen by nobody), so the update comes before the reply: when it
 * finds the message gone, a new status message is started for the month (once: see SpendStore.retireStatus) and
 * the alert is told under it.
 */
import type { Alert, Enforcement } from './domain/alerts.js';
import type { ProjectRef } from '../platform/domain/projects.js';
import { renderAlertReply, renderChannelFallbackNote, renderSpendStatus } from './render/index.js';
import { postOnce, type PostOnceDeps } from '../platform/slack/postOnce.js';
import type { RenderedMessage } from '../platform/slack/render/blocks.js';
import type { LimitsStore } from '../limits/index.js';
import type { KeyRequestStore } from '../keys/index.js';
import type { ClaimedEntry, SpendStore } from './spendStore.js';

export interface AlertDeliveryDeps extends PostOnceDeps {
  readonly spend: SpendStore;
  readonly limits: Pick<LimitsStore, 'get'>;
  /** the key holders of a project (told of its hard cap), and the request behind an OpenAI key */
  readonly keyRequests: Pick<KeyRequestStore, 'projectOwners' | 'findByKey' | 'get'>;
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
 * the thread reads 50%, 80%, 100% whatever order their jobs ran in. An alert a higher threshold of the same poll
 * tells (`coveredBy`) gets no reply of its own: the higher one names it.
 */
export async function deliverAlert(deps: AlertDeliveryDeps, identity: string, owner: string): Promise<'delivered' | 'gone' | 'busy'> {
  const alert = await deps.spend.claimedAlert(identity);
  if (!alert) return 'gone';
  const lock = deliveryLock(alert);
  if (!(await deps.spend.lock(lock, owner, 20_000))) return 'busy';
  try {
    const claimed = await deps.spend.claimedEntriesOf(alert.projectId, alert.month);
    const told = await deps.markers.posted(claimed.map((entry) => `reply.${entry.alert.identity}`));
    const untold = claimed.filter((entry, i) => !told[i] && entry.coveredBy === null);
    if (untold.length === 0) return 'delivered';
    // What the status message shows is the same for every alert told now: read and rendered once.
    const status = await renderProjectStatus(deps, alert.projectId);
    if (!status) return 'gone';
    for (const next of untold) await deliverOne(deps, next.alert, status, passedBy(claimed, next.alert));
    return 'delivered';
  } finally {
    await deps.spend.unlock(lock, owner);
  }
}

/**
 * OpenAI now reports enforcing a cap whose notice said enforcement was pending: the notice is updated in place to
 * say OpenAI refuses requests, and the status message with it; once (marker `enforced.<identity>`), under the same
 * lock as deliveries. A notice not posted yet needs nothing: when it is, it is rendered from the latest poll.
 */
export async function deliverEnforced(deps: AlertDeliveryDeps, identity: string, owner: string): Promise<'updated' | 'not-posted' | 'gone' | 'busy'> {
  const alert = await deps.spend.claimedAlert(identity);
  if (!alert || alert.kind !== 'hard') return 'gone';
  const lock = deliveryLock(alert);
  if (!(await deps.spend.lock(lock, owner, 20_000))) return 'busy';
  try {
    const [done] = await deps.markers.posted([`enforced.${identity}`]);
    if (done) return 'updated';
    const reply = await deps.markers.get(`reply.${identity}`);
    if (reply.kind !== 'posted') return 'not-posted';
    const status = await renderProjectStatus(deps, alert.projectId);
    if (!status) return 'gone';
    const claimed = await deps.spend.claimedEntriesOf(alert.projectId, alert.month);
    const notice = await renderReply(deps, { ...alert, enforcement: 'enforcing' }, status, passedBy(claimed, alert));
    const updated = await updateIfThere(deps, reply.channel, reply.ts, notice);
    const parent = await livingStatus(deps, alert, status, identity);
    if (!parent.fresh) await updateIfThere(deps, parent.channel, parent.ts, status.message);
    // A notice someone deleted is not posted again: the status message says OpenAI refuses requests.
    await deps.markers.markPosted(`enforced.${identity}`, reply.channel, updated ? reply.ts : '');
    return 'updated';
  } finally {
    await deps.spend.unlock(lock, owner);
  }
}

const deliveryLock = (alert: Alert): string => `delivery.${alert.projectId}.${alert.month}`;

/** The lower thresholds `lead` tells for the poll that crossed them with it. */
const passedBy = (claimed: readonly ClaimedEntry[], lead: Alert): Alert[] =>
  claimed.filter((entry) => entry.coveredBy === lead.identity).map((entry) => entry.alert);

interface ProjectStatus {
  readonly project: { readonly id: string; readonly name: string };
  readonly message: RenderedMessage;
  readonly channel: string;
  /** what OpenAI reported about the cap at the latest poll */
  readonly enforcement: Enforcement;
}

async function renderProjectStatus(deps: AlertDeliveryDeps, projectId: string): Promise<ProjectStatus | null> {
  const record = await deps.spend.projectSpend(projectId);
  if (!record) return null;
  const limits = await deps.limits.get(projectId);
  const project = { id: projectId, name: limits?.projectName ?? (await deps.projects.list()).find((p) => p.id === projectId)?.name ?? projectId };
  const keyLabels = new Map<string, string>();
  for (const { apiKeyId } of record.spend.byKey.slice(0, 3)) {
    if (!apiKeyId) continue;
    const requestId = await deps.keyRequests.findByKey(apiKeyId);
    const request = requestId ? await deps.keyRequests.get(requestId) : null;
    if (request?.redactedKey) keyLabels.set(apiKeyId, request.redactedKey);
  }
  const message = renderSpendStatus({ project, spend: record.spend, limits, enforcement: record.enforcement, now: deps.clock(), keyLabels });
  return { project, message, channel: limits?.channelId ?? deps.alertChannel, enforcement: record.enforcement };
}

/** The post name of the month's living status message: generation 1 keeps the name it always had. */
const statusName = (alert: Alert, generation: number): string =>
  generation <= 1 ? `status.${alert.projectId}.${alert.month}` : `status.${alert.projectId}.${alert.month}.${generation}`;

/** The living status message of the alert's project and month, posted (with `by`) if it is not yet. */
async function livingStatus(deps: AlertDeliveryDeps, alert: Alert, status: ProjectStatus, by: string, generation?: number) {
  const wanted = status.channel;
  const fallback = (error: unknown) => {
    const code = (error as { data?: { error?: string } }).data?.error;
    if (!code || !UNREACHABLE.has(code) || wanted === deps.alertChannel) return null;
    // The project's channel is gone or keywarden was removed from it: post in the default channel, and say why.
    const note = renderChannelFallbackNote(wanted, code);
    return { channel: deps.alertChannel, message: { text: `${status.message.text}\n${note.text}`, blocks: [...status.message.blocks, ...note.blocks].slice(0, 50) } };
  };
  const current = generation ?? (await deps.spend.statusGeneration(alert.projectId, alert.month));
  const posted = await postOnce(deps, statusName(alert, current), { channel: wanted, alsoLookIn: [deps.alertChannel] }, status.message, { by, fallback });
  return { ...posted, generation: current };
}

/** chat.update; false when Slack answers `message_not_found` (someone deleted the message). */
async function updateIfThere(deps: AlertDeliveryDeps, channel: string, ts: string, message: RenderedMessage): Promise<boolean> {
  return deps.paced(
    channel,
    async () => {
      try {
        await deps.web.chat.update({ channel, ts, text: message.text, blocks: message.blocks });
        return true;
      } catch (error) {
        if ((error as { data?: { error?: string } }).data?.error === 'message_not_found') return false;
        throw error;
      }
    },
    false,
  );
}

async function renderReply(deps: AlertDeliveryDeps, alert: Alert, status: ProjectStatus, alsoPassed: readonly Alert[]) {
  const owners = alert.kind === 'hard' ? await deps.keyRequests.projectOwners(alert.projectId) : [];
  return renderAlertReply(alert, { project: status.project, ownerIds: owners, approverIds: deps.approvers, alsoPassed });
}

async function deliverOne(deps: AlertDeliveryDeps, alert: Alert, status: ProjectStatus, alsoPassed: readonly Alert[]): Promise<void> {
  const identity = alert.identity;
  let parent = await livingStatus(deps, alert, status, identity);
  // The update before the reply: it is how a deleted status message shows (a reply under it would be accepted and
  // seen by nobody). Marked once done, so a reply held back by pacing does not update the message again.
  const updateName = `update.${identity}`;
  if (parent.by !== identity && (await deps.markers.get(updateName)).kind !== 'posted') {
    if (!(await updateIfThere(deps, parent.channel, parent.ts, status.message))) {
      const living = await deps.spend.retireStatus(alert.projectId, alert.month, parent.generation);
      parent = await livingStatus(deps, alert, status, identity, living);
      if (parent.by !== identity && !(await updateIfThere(deps, parent.channel, parent.ts, status.message))) {
        throw new Error(`the status message of ${alert.projectId} for ${alert.month} was deleted again while being replaced`);
      }
    }
    await deps.markers.markPosted(updateName, parent.channel, parent.ts);
  }
  // A hard-cap notice told after OpenAI started enforcing says so at once; the enforced update then has nothing to do.
  const told = alert.kind === 'hard' && status.enforcement === 'enforcing' ? { ...alert, enforcement: 'enforcing' as const } : alert;
  const reply = await renderReply(deps, told, status, alsoPassed);
  const posted = await postOnce(deps, `reply.${identity}`, { channel: parent.channel, threadTs: parent.ts, broadcast: reply.broadcast }, reply);
  if (told !== alert) await deps.markers.markPosted(`enforced.${identity}`, posted.channel, posted.ts);
  deps.onAlertPosted?.(alert);
}
