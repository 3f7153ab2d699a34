/**
 * What a request's outbox holds, as zod schemas. The outbox keeps its events as JSON in Redis, so what comes back is
 * parsed before a renderer sees it, never cast: an event stored by another release, or by hand, may not fit. Here:
 * the engine's own events, and the shapes every kind tells the same way (approved, denied, expired, cancelled); each
 * kind's schema of its events (`ThreadEvent`, `LimitChangeEvent`) lives in its feature's domain/. Pure.
 *
 * The schemas are as lenient as the renderers: a field a renderer reads must be there with its type, nothing more
 * (an empty reason still renders; ids are not checked for their shape). Fields they do not name are dropped.
 */
import { z } from 'zod';
import type { AutoApproveRule } from './policy.js';
import type { ApprovalEvent, ApprovedEvent, CancelledEvent, DeniedEvent, ExpiredEvent } from './requestEvents.js';

/** A request reached its quorum (`approvers` absent on events stored before quorums existed). */
export const approvedEventSchema = z.object({
  kind: z.literal('approved'),
  by: z.string(),
  approvers: z.array(z.string()).readonly().optional(),
}) satisfies z.ZodType<ApprovedEvent>;

/** An approver denied the request, with their reason. */
export const deniedEventSchema = z.object({ kind: z.literal('denied'), by: z.string(), reason: z.string() }) satisfies z.ZodType<DeniedEvent>;

/** Nobody decided in time. */
export const expiredEventSchema = z.object({ kind: z.literal('expired') }) satisfies z.ZodType<ExpiredEvent>;

/** Withdrawn while pending, by the requester or an admin. */
export const cancelledEventSchema = z.object({ kind: z.literal('cancelled'), by: z.string() }) satisfies z.ZodType<CancelledEvent>;

const autoApproveRuleSchema = z.object({
  maxDays: z.number().optional(),
  requesters: z.array(z.string()).readonly().optional(),
  source: z.string(),
}) satisfies z.ZodType<AutoApproveRule>;

/** The engine's own events (votes, auto-approval, reminders, escalations), the same for every kind. */
export const approvalEventSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('vote'), by: z.string(), approvers: z.array(z.string()).readonly(), needed: z.number() }),
  z.object({ kind: z.literal('auto_approved'), source: z.string(), rule: autoApproveRuleSchema }),
  z.object({ kind: z.literal('reminder'), approvers: z.array(z.string()).readonly(), decideBy: z.number() }),
  z.object({ kind: z.literal('escalation'), admins: z.array(z.string()).readonly(), decideBy: z.number() }),
]) satisfies z.ZodType<ApprovalEvent>;
