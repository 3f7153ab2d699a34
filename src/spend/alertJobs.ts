/**
 * The Slack jobs of the alerts a poll claimed, and of the hard-cap notices to update once OpenAI enforces the cap.
 * Each job's id is its alert's identity, so it is queued once however often a poll adds it again.
 */
import type { Alert } from './domain/alerts.js';
import { jobId } from '../platform/queues/registry.js';
import type { ProjectSpendRecord } from './spendStore.js';
import type { SpendDeps } from './deps.js';

/**
 * A hard-cap notice told while OpenAI did not report the cap enforced yet says so; once a poll reads `enforcing`,
 * the notice is updated to say OpenAI refuses requests (one job per notice, id `enforced.<identity>`, added again
 * each poll until done, like alerts; the delivery marks it done once).
 */
export async function enqueueEnforcedUpdates(deps: Pick<SpendDeps, 'queues' | 'spend' | 'markers'>, records: readonly ProjectSpendRecord[], repeats: readonly Alert[]): Promise<void> {
  const enforcing = new Set(records.filter((r) => r.enforcement === 'enforcing').map((r) => r.spend.projectId));
  const hard = repeats.filter((a) => a.kind === 'hard' && enforcing.has(a.projectId));
  if (hard.length === 0) return;
  const stored = await Promise.all(hard.map((a) => deps.spend.claimedAlert(a.identity)));
  const told = stored.filter((a): a is Alert => a !== null && a.kind === 'hard' && a.enforcement !== 'enforcing');
  const done = await deps.markers.posted(told.map((a) => `enforced.${a.identity}`));
  const pending = told.filter((_, i) => !done[i]);
  if (pending.length === 0) return;
  await deps.queues.addBulk('slack', 'post', pending.map((alert) => ({ data: { kind: 'alert-enforced' as const, identity: alert.identity, projectId: alert.projectId }, jobId: enforcedJobId(alert.identity) })));
}

/** The job that updates a hard-cap notice once OpenAI enforces the cap. */
export const enforcedJobId = (identity: string): string => jobId('enforced', identity);

/** The Slack jobs of claimed alerts: each job's id is its alert's identity, so it is queued once however often it is added. */
export async function enqueueAlerts(deps: Pick<SpendDeps, 'queues'>, alerts: readonly Alert[]): Promise<void> {
  if (alerts.length === 0) return;
  await deps.queues.addBulk('slack', 'post', alerts.map((alert) => ({ data: { kind: 'alert' as const, identity: alert.identity, projectId: alert.projectId }, jobId: alert.identity })));
}
