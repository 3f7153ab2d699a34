/**
 * The approvals engine: everything decided in a thread, for every kind of request. It opens a request (deadline
 * and quorum from the policy, auto-approval), records votes towards the quorum (each a compare-and-set on the
 * document's version, so of 20 concurrent clicks exactly one decides), denies, cancels, expires, reminds and
 * escalates (each once, claimed on the document), and tells the thread and the requester in order through the
 * request's outbox (each notice posted once, by name). A feature registers a `RequestKind`: how its request reads,
 * what its states are and are called, the schema of its events, and what to do once approved; after the decision it
 * moves its request through its own states with `advance` and `amend`, never through the store. Nothing outside the
 * engine asks which kind a request is.
 */
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { AuditLog } from '../platform/redis/auditLog.js';
import type { DocumentPatch, RequestIndexes, RequestStore, SecretOp, TransitionOutcome } from './requestStore.js';
import type { RequestOutbox } from './outbox.js';
import type { JobQueues } from '../platform/queues/queues.js';
import { jobId } from '../platform/queues/registry.js';
import type { RenderedMessage } from '../platform/slack/render/blocks.js';
import type { ApprovalRefusal as DecisionRefusal } from './domain/approvers.js';
import { err, ok, type Result } from '../platform/domain/result.js';
import { APPROVAL_EVENT_KINDS, type ApprovalEvent } from './domain/requestEvents.js';
import { approvalEventSchema } from './domain/requestEventSchemas.js';
import { approversSoFar, KEYWARDEN_ACTOR, type ApprovalDocument } from './domain/document.js';
import { DENY_REASON_MAX_LENGTH, approversStillToDecide, cancel as cancelDecision, decide as decideVote, nextNudgeAt, nudgesDue, type Decision, type Nudge } from './domain/decision.js';
import {
  autoApprovalRule,
  describeAutoApproveRule,
  effectivePolicy,
  isAmong,
  mayDecide,
  type EffectivePolicy,
  type EnvironmentPolicy,
  type RequestKindName,
} from './domain/policy.js';
import type { PolicySource } from './policyFile.js';

export type { Decision } from './domain/decision.js';

/** Where a decision came from: a button, a reply in the thread, the deny-reason form (later: App Home, Workflow Builder). */
export type DecisionVia = 'button' | 'thread' | 'modal' | 'home' | 'workflow';

/** What any event told about a request looks like to the engine: a `kind`, and the kind's own fields. */
export interface RequestEventLike {
  readonly kind: string;
  readonly [field: string]: unknown;
}

/**
 * A kind of request, registered with the engine by its feature. `D` is the kind's document, `E` its events.
 * Its renderers are pure; `onApproved` does what follows approval (usually: queue a job).
 */
export interface RequestKind<D extends ApprovalDocument = ApprovalDocument, E extends RequestEventLike = RequestEventLike> {
  readonly name: RequestKindName;
  /**
   * every state its documents can be in (the engine's own: pending, approved, denied, expired, cancelled); `advance`
   * and `amend` refuse any other
   */
  readonly states: readonly string[];
  /**
   * its events (those it announces; the engine's own are the engine's), as the outbox holds them: the engine parses
   * each with this before `renderThreadNote` or `renderDm` sees it, and skips (logged) one that does not fit
   */
  readonly events: z.ZodType<E>;
  /** prefix of its audit actions: `request` gives `request.open`, `request.approve`… */
  readonly auditPrefix: string;
  /** the command, as mrkdwn code, with which a requester asks again (in refusals) */
  readonly askAgainCommand: string;
  /** how people call one: "key request", "limit change" */
  readonly noun: string;
  stateInWords(state: string): string;
  /** the request message in the approval channel, re-rendered on every change */
  renderMessage(doc: D, opts: { readonly now: number }): RenderedMessage;
  /** a note in the thread for one of the kind's events (the engine renders its own: votes, reminders…) */
  renderThreadNote(doc: D, event: E): RenderedMessage | null;
  /** a DM to the requester for one of the kind's events, or null when there is none */
  renderDm(doc: D, event: E): RenderedMessage | null;
  /** what an auto-approve rule checks beyond the requester: the key's lifetime, for kinds that have one */
  autoApproveFacts(doc: D): { readonly lifetimeDays?: number };
  /** what to do once approved (by the quorum or a rule): usually queue a job, with an id that makes it once */
  onApproved(doc: D): Promise<void>;
  /**
   * The requester's DM for `event` was posted at `place`: the fields the kind keeps so that DM can follow the request
   * (`followingDm`), and the event that is then told in the thread; null (or absent) when the kind keeps nothing.
   */
  dmPosted?(doc: D, event: RequestEventLike, place: DmPlace): { readonly patch: object; readonly then?: RequestEventLike } | null;
  /** The DM that follows the request (a key's "Reveal key" DM), rendered for `doc` as it is now; null when none or unchanged. */
  followingDm?(doc: D): FollowingDm | null;
  /**
   * The kind's own lists the request joins as `open` stores it, in the same step (a key request: its requester's list
   * and the reconciler's unsettled set); absent when the kind keeps none.
   */
  indexesOnOpen?(doc: D): RequestIndexes;
}

/** Where a posted DM is. */
export interface DmPlace {
  readonly channel: string;
  readonly ts: string;
}

/** A DM kept up to date with its request (chat.update, same ts). */
export interface FollowingDm extends DmPlace {
  readonly message: RenderedMessage;
}

/** Renders the engine's own events (votes, auto-approval, reminders, escalations); pure. */
export interface ApprovalNoticeRenderer {
  threadNote(doc: ApprovalDocument, event: ApprovalEvent): RenderedMessage;
  /** only auto-approval is told by DM: the requester learns which rule approved it */
  dm(doc: ApprovalDocument, event: ApprovalEvent, noun: string): RenderedMessage | null;
  refusalInWords(by: string, refusal: EngineRefusal, wording: { stateInWords: (state: string) => string; askAgainCommand: string }): string;
}

export interface ApprovalEngineDeps {
  readonly requests: RequestStore;
  readonly outbox: RequestOutbox<RequestEventLike>;
  readonly audit: Pick<AuditLog, 'append'>;
  readonly queues: Pick<JobQueues, 'add'>;
  /** the user groups (S…) among the policy's that a user belongs to */
  readonly groupsOf: (userId: string) => Promise<readonly string[]>;
  readonly clock: () => number;
  /** the policy in force (a SIGHUP reload swaps it whole) */
  readonly policy: Pick<PolicySource, 'current'>;
  /** what the environment sets where the policy file does not (KEYWARDEN_APPROVERS, ADMINS, REQUEST_TTL) */
  readonly environment: EnvironmentPolicy;
  readonly kinds: readonly RequestKind<never>[];
  readonly notices: ApprovalNoticeRenderer;
  /** KEYWARDEN_POLICY_FILE, or null when the policy comes from the environment alone */
  readonly policyFile: string | null;
  /** where an outbox event that fits no schema is reported (it is skipped) */
  readonly log: Pick<Logger, 'warn'>;
}

/** The fields a kind changes on its own document: never its id, kind, state (`advance` moves it) or version. */
export type KindPatch<D extends ApprovalDocument> = DocumentPatch<D>;

/** How a kind moves its request (`advance`): a compare-and-set, as the request store's `transition`. */
export interface AdvanceOptions<S extends string> {
  /**
   * the states it may move from (required: the engine knows no kind's transition table); never `pending`, which
   * only a decision leaves
   */
  readonly from: readonly S[];
  /** the request's sealed secret, stored (`set`) or taken (`take`) in the same step */
  readonly secret?: SecretOp;
  /** fields that must still hold these values (e.g. the provisioning attempt's token) */
  readonly expect?: Readonly<Record<string, string>>;
}

/**
 * What a kind's own change did: `ok` (with the request as changed, and the secret taken, if asked), `conflict` (its
 * state was not one of `from`, or an `expect` field differed: the request as it is), `missing`, or `no_secret` (a
 * `take` found no secret: nothing changed). The request store's `transition` answers it.
 */
export type AdvanceOutcome<D extends ApprovalDocument> = TransitionOutcome<D>;

/**
 * `advance` or `amend` was asked for a move the request's kind may not make: a state its kind does not declare
 * (`undeclared_state`), or one of the decision's (`decided_by_the_engine`: leaving `pending`, or entering `pending`,
 * `approved`, `denied` or `cancelled`, which only `decide`, `cancel` and `expire` do). A programming error in the
 * feature, so thrown rather than returned; nothing was changed.
 */
export class RequestMoveRefused extends Error {
  constructor(
    readonly requestId: string,
    readonly requestKind: string,
    readonly state: string,
    readonly reason: 'undeclared_state' | 'decided_by_the_engine',
  ) {
    super(
      reason === 'undeclared_state'
        ? `a ${requestKind} request (${requestId}) has no state “${state}”`
        : `a ${requestKind} request (${requestId}) is not moved by its kind ${state === 'pending' ? 'out of' : 'into'} “${state}”: the engine decides it`,
    );
    this.name = 'RequestMoveRefused';
  }
}

/** The states only a decision moves a request into; `pending` is also the one only a decision moves it out of. */
const DECISION_STATES: ReadonlySet<string> = new Set(['pending', 'approved', 'denied', 'cancelled']);

/** Why a decision was refused: the domain's reasons plus `not_found`; `requestKind` picks the wording. */
export type EngineRefusal = (DecisionRefusal<string> | { readonly kind: 'not_found' }) & { readonly requestKind?: RequestKindName };

export type CancelRefusal =
  | { readonly kind: 'not_found'; readonly requestId: string }
  | { readonly kind: 'not_allowed'; readonly request: ApprovalDocument }
  /** it is no longer pending: decided, expired or cancelled already */
  | { readonly kind: 'not_pending'; readonly request: ApprovalDocument };

/** What a sweep of the pending requests did. */
export interface SweepReport {
  readonly pending: number;
  readonly expired: number;
  readonly reminded: number;
  readonly escalated: number;
}

export interface ApprovalEngine {
  /**
   * Opens a request: its deadline and quorum come from the policy for its project and kind; an auto-approve rule
   * that matches approves it at once (the thread, the DM and the audit entry name the rule). Queues its message,
   * its expiry and its reminders. `doc` is the kind's new document in state `pending`.
   * Errors: `id_taken` (the id clashed; nothing stored).
   */
  open<D extends ApprovalDocument>(doc: D, audit: { readonly action: string; readonly detail?: string }): Promise<Result<D, 'id_taken'>>;
  /** An approver's Approve or Deny, by any route. A vote short of the quorum is recorded and told in the thread. */
  decide(input: { readonly requestId: string; readonly actorId: string; readonly decision: Decision; readonly via: DecisionVia }): Promise<Result<ApprovalDocument, EngineRefusal>>;
  /** Withdraws a pending request (its requester, or an admin). */
  cancel(input: { readonly requestId: string; readonly actorId: string }): Promise<Result<ApprovalDocument, CancelRefusal>>;
  /** Expires a pending request past its deadline; false when there was nothing to do. */
  expire(requestId: string): Promise<boolean>;
  /** Posts the reminder and the escalation that are due for one request, each once. */
  nudge(requestId: string): Promise<Nudge[]>;
  /** Expires, reminds and escalates every pending request as due (on every clock tick; safe on many replicas). */
  sweep(): Promise<SweepReport>;
  /** Tells the thread and the requester about `event`, once per `tag` (default: the event's kind), in order. */
  announce(doc: ApprovalDocument, event: RequestEventLike, tag?: string): Promise<void>;
  /** Any kind's document. */
  document(requestId: string): Promise<ApprovalDocument | null>;
  /**
   * Moves a request through its kind's own states after the decision (provisioning → awaiting_reveal, approved →
   * applied, …): a compare-and-set from one of `opts.from` to `to` applying `patch` (a field set to null is removed),
   * with the version bumped; `opts.secret` and `opts.expect` as the request store's `transition`. Audits and
   * announces nothing: the caller does, once it knows the outcome. `D` is the kind's document (not checked).
   * Throws `RequestMoveRefused` (nothing changed) when `to` or a `from` state is not one its kind declares, `from`
   * holds `pending`, or `to` is `pending`, `approved`, `denied` or `cancelled`.
   */
  advance<D extends ApprovalDocument>(requestId: string, to: D['state'], patch: KindPatch<D>, opts: AdvanceOptions<D['state']>): Promise<AdvanceOutcome<D>>;
  /**
   * Changes a request's own fields without a state change, only while its state is one of `whileIn` (a
   * compare-and-set; the version is bumped). Throws `RequestMoveRefused` (nothing changed) for a state its kind does
   * not declare.
   */
  amend<D extends ApprovalDocument>(requestId: string, whileIn: readonly D['state'][], patch: KindPatch<D>): Promise<AdvanceOutcome<D>>;
  /** The request message was posted: its place is kept so later changes update it and replies find it. */
  markPosted(requestId: string, channel: string, ts: string): Promise<ApprovalDocument | null>;
  /** Slack will never take the request message: a pending request cannot be decided, so it expires now. */
  markUnpostable(requestId: string, reason: string): Promise<void>;
  /**
   * The requester's DM for `event` was posted at `place`: the request's kind keeps where it is (so it can follow the
   * request) and queues in the outbox what it tells next. Returns the document as kept, or null when nothing was
   * kept (the kind keeps nothing for this event, or the request is gone).
   */
  dmPosted(requestId: string, event: RequestEventLike, place: DmPlace): Promise<ApprovalDocument | null>;
  /** The DM that follows the request (a key's "Reveal key" DM), rendered for `doc` now; null when it has none. */
  followingDm(doc: ApprovalDocument): FollowingDm | null;
  renderMessage(doc: ApprovalDocument, now: number): RenderedMessage;
  /**
   * The thread note for an event read back from the outbox, parsed first (the engine's own schema for its events,
   * else the kind's `events`); null when there is none, or when the event does not fit (logged: the outbox moves on).
   */
  renderThreadNote(doc: ApprovalDocument, event: RequestEventLike): RenderedMessage | null;
  /** The requester's DM for an event read back from the outbox, parsed as for `renderThreadNote`; null when none or it does not fit. */
  renderDm(doc: ApprovalDocument, event: RequestEventLike): RenderedMessage | null;
  /** A refused decision in plain words, addressed to the person who tried. */
  refusalInWords(by: string, refusal: EngineRefusal): string;
  /** The policy that applies to a request of `kind` on `project` now. */
  policyFor(project: { readonly id: string; readonly name: string }, kind: RequestKindName): EffectivePolicy;
  /** The projects the policy in force names (ids or names, as written in the file). */
  namedProjects(): string[];
  /** KEYWARDEN_POLICY_FILE, or null when the policy comes from the environment alone */
  readonly policyFile: string | null;
}

/** How often a vote is decided again after losing a compare-and-set to a concurrent one (20 clicks need < 20). */
const MAX_VOTE_ATTEMPTS = 64;

/** People in an audit entry's detail: a user as a mention (the audit log shows their name), a group by its id. */
const auditMention = (id: string): string => (id.startsWith('S') ? `user group ${id}` : `<@${id}>`);

export function createApprovalEngine(deps: ApprovalEngineDeps): ApprovalEngine {
  const kinds = new Map<string, RequestKind>(deps.kinds.map((k) => [k.name, k as unknown as RequestKind]));
  const allStates = [...new Set(deps.kinds.flatMap((k) => k.states))];
  const kindOf = (doc: ApprovalDocument): RequestKind => {
    const kind = kinds.get(doc.kind);
    if (!kind) throw new Error(`no request kind “${String(doc.kind)}” is registered`);
    return kind;
  };
  const policyFor = (project: { readonly id: string; readonly name: string }, kind: RequestKindName) =>
    effectivePolicy(deps.policy.current(), deps.environment, project, kind);
  const policyOf = (doc: ApprovalDocument) => policyFor({ id: doc.projectId, name: doc.projectName }, doc.kind);

  /** Refuses `states` unless the request's kind declares each of them (see `RequestMoveRefused`). */
  const refuseUndeclared = (doc: ApprovalDocument, states: readonly string[]) => {
    const declared = kindOf(doc).states;
    const undeclared = states.find((state) => !declared.includes(state));
    if (undeclared !== undefined) throw new RequestMoveRefused(doc.id, doc.kind, undeclared, 'undeclared_state');
  };

  /**
   * An event read back from the outbox, parsed with the schema it belongs to (the engine's for its own events, else its
   * kind's `events`); null when it does not fit, logged with what did not (never the event's values).
   */
  const parseOutboxEvent = (
    doc: ApprovalDocument,
    event: unknown,
    step: 'thread' | 'dm',
  ): { readonly own: true; readonly event: ApprovalEvent } | { readonly own: false; readonly event: RequestEventLike } | null => {
    const name = typeof event === 'object' && event !== null ? (event as { kind?: unknown }).kind : undefined;
    const own = typeof name === 'string' && APPROVAL_EVENT_KINDS.has(name);
    const parsed = own ? approvalEventSchema.safeParse(event) : kindOf(doc).events.safeParse(event);
    if (parsed.success) return own ? { own, event: parsed.data as ApprovalEvent } : { own, event: parsed.data };
    deps.log.warn(
      {
        requestId: doc.id,
        requestKind: doc.kind,
        eventKind: typeof name === 'string' ? name.slice(0, 60) : typeof name,
        step,
        problems: parsed.error.issues.map((issue) => `${issue.path.join('.') || 'event'}: ${issue.message}`),
      },
      'an outbox event does not fit its schema; skipped',
    );
    return null;
  };

  const flush = async (requestId: string, position: number) => {
    // Retried for about an hour while the request message waits to be posted (its job's retry policy).
    await deps.queues.add('slack', 'post', { kind: 'outbox', requestId }, { jobId: jobId('outbox', requestId, position) });
  };

  const announce = async (doc: ApprovalDocument, event: RequestEventLike, tag: string = event.kind) => {
    await deps.queues.add('slack', 'post', { kind: 'request-message', requestId: doc.id, mode: 'update' }, { jobId: jobId('upd', doc.id, doc.version) });
    const position = await deps.outbox.appendOnce(doc.id, event, tag);
    if (position !== null) await flush(doc.id, position);
  };

  const scheduleNudges = async (doc: ApprovalDocument, policy: EffectivePolicy) => {
    const now = deps.clock();
    for (const [nudge, after] of [['remind', policy.remindAfterMs], ['escalate', policy.escalateAfterMs]] as const) {
      if (after === null || doc.createdAt + after >= doc.decideBy) continue;
      await deps.queues.add('openai', 'approval-nudge', { requestId: doc.id }, { jobId: jobId('nudge', doc.id, nudge), delayMs: Math.max(0, doc.createdAt + after - now) });
    }
  };

  const expire = async (requestId: string): Promise<boolean> => {
    const doc = await deps.requests.document(requestId);
    if (!doc || doc.state !== 'pending') return false;
    const now = deps.clock();
    if (now < doc.decideBy) return false;
    const expired = await deps.requests.update(requestId, ['pending'], { state: 'expired', endedReason: 'no decision in time' });
    if (expired.kind !== 'ok') return false;
    await deps.requests.leavePending(requestId);
    await deps.audit.append({ actor: KEYWARDEN_ACTOR, action: `${kindOf(doc).auditPrefix}.expire`, target: requestId, outcome: 'expired', at: now, project: doc.projectId });
    await announce(expired.doc, { kind: 'expired' });
    return true;
  };

  const nudge = async (requestId: string): Promise<Nudge[]> => {
    const done: Nudge[] = [];
    let doc = await deps.requests.document(requestId);
    for (let attempt = 0; doc && attempt < 8; attempt += 1) {
      const now = deps.clock();
      const policy = policyOf(doc);
      const due = nudgesDue(doc, policy, now);
      if (due.length === 0) break;
      const patch = Object.fromEntries(due.map((n) => [n === 'remind' ? 'remindedAt' : 'escalatedAt', now]));
      // Claimed on the version read: of several replicas (or a job and the sweep), one posts each nudge.
      const claimed = await deps.requests.update(requestId, ['pending'], patch, { version: doc.version });
      if (claimed.kind === 'missing') break;
      if (claimed.kind !== 'ok') {
        doc = claimed.doc;
        continue;
      }
      const kind = kindOf(doc);
      for (const n of due) {
        const event: ApprovalEvent =
          n === 'remind'
            ? { kind: 'reminder', approvers: approversStillToDecide(claimed.doc, policy.approvers), decideBy: doc.decideBy }
            : { kind: 'escalation', admins: policy.admins, decideBy: doc.decideBy };
        await deps.audit.append({ actor: KEYWARDEN_ACTOR, action: `${kind.auditPrefix}.${n}`, target: requestId, outcome: n === 'remind' ? 'reminded' : 'escalated', at: now, project: doc.projectId });
        await announce(claimed.doc, event, event.kind);
        done.push(n);
      }
      break;
    }
    return done;
  };

  const refuse = async (
    input: { requestId: string; actorId: string; decision: Decision; via: DecisionVia },
    refusal: EngineRefusal,
    doc: ApprovalDocument | null,
  ): Promise<Result<never, EngineRefusal>> => {
    // "A reason is needed" is the Deny button asking whether to show the reason form, not a refusal.
    if (refusal.kind !== 'reason_required') {
      await deps.audit.append({
        actor: input.actorId,
        action: `${doc ? kindOf(doc).auditPrefix : 'request'}.${input.decision.kind}`,
        target: input.requestId,
        outcome: `refused:${refusal.kind}`,
        at: deps.clock(),
        detail: `via ${input.via}`,
        ...(doc ? { project: doc.projectId } : {}),
      });
    }
    return err(doc ? { ...refusal, requestKind: doc.kind } : refusal);
  };

  const engine: ApprovalEngine = {
    policyFor,
    namedProjects: () => Object.keys(deps.policy.current().projects),
    policyFile: deps.policyFile,
    announce,
    expire,
    nudge,
    document: (id) => deps.requests.document(id),

    async advance(requestId, to, patch, opts) {
      const doc = await deps.requests.document(requestId);
      if (!doc) return { kind: 'missing' };
      refuseUndeclared(doc, [to, ...opts.from]);
      if (DECISION_STATES.has(to)) throw new RequestMoveRefused(doc.id, doc.kind, to, 'decided_by_the_engine');
      if (opts.from.includes('pending')) throw new RequestMoveRefused(doc.id, doc.kind, 'pending', 'decided_by_the_engine');
      return deps.requests.transition(requestId, to, patch, { from: opts.from, secret: opts.secret, expect: opts.expect });
    },

    async amend(requestId, whileIn, patch) {
      const doc = await deps.requests.document(requestId);
      if (!doc) return { kind: 'missing' };
      refuseUndeclared(doc, whileIn);
      return deps.requests.amend(requestId, whileIn, patch);
    },

    async open(doc, audit) {
      const kind = kindOf(doc);
      const policy = policyOf(doc);
      const now = doc.createdAt;
      let opened: ApprovalDocument = { ...doc, decideBy: now + policy.requestTtlMs, approvalsNeeded: policy.approvals };
      const rule =
        policy.autoApprove === null
          ? null
          : autoApprovalRule(policy, { requesterId: doc.requesterId, requesterGroupIds: await deps.groupsOf(doc.requesterId), ...kind.autoApproveFacts(doc) });
      if (rule) {
        opened = { ...opened, state: 'approved', decidedBy: KEYWARDEN_ACTOR, decidedAt: now, autoApprovedBy: rule.source, autoApprovedRule: rule };
      }
      if (!(await deps.requests.create(opened, kind.indexesOnOpen?.(opened)))) return err('id_taken');
      await deps.audit.append({ actor: doc.requesterId, action: audit.action, target: doc.id, outcome: 'pending', at: now, project: doc.projectId, ...(audit.detail ? { detail: audit.detail } : {}) });
      await deps.queues.add('slack', 'post', { kind: 'request-message', requestId: doc.id, mode: 'post' }, { jobId: jobId('msg', doc.id) });
      if (rule) {
        await deps.audit.append({
          actor: KEYWARDEN_ACTOR,
          action: `${kind.auditPrefix}.approve`,
          target: doc.id,
          outcome: 'approved',
          at: now,
          project: doc.projectId,
          detail: `automatically, by the policy rule ${rule.source} (${describeAutoApproveRule(rule, auditMention)})`,
        });
        await announce(opened, { kind: 'auto_approved', source: rule.source, rule } satisfies ApprovalEvent, 'approved');
        await kind.onApproved(opened as never);
        return ok(opened as typeof doc);
      }
      await deps.queues.add('openai', 'expire-request', { requestId: doc.id }, { jobId: jobId('expire-request', doc.id), delayMs: opened.decideBy - now });
      await scheduleNudges(opened, policy);
      return ok(opened as typeof doc);
    },

    async decide(input) {
      const now = deps.clock();
      let doc = await deps.requests.document(input.requestId);
      if (!doc) return refuse(input, { kind: 'not_found' }, null);
      const groups = await deps.groupsOf(input.actorId);
      for (let attempt = 0; attempt < MAX_VOTE_ATTEMPTS; attempt += 1) {
        const kind = kindOf(doc);
        const policy = policyOf(doc);
        const verdict = decideVote(doc, { userId: input.actorId, mayDecide: mayDecide(policy, input.actorId, groups) }, input.decision, now);
        if (!verdict.ok) {
          const refusal = verdict.error;
          if (refusal.kind === 'expired') await expire(doc.id);
          if (refusal.kind === 'not_approver') {
            return refuse(input, { kind: 'not_approver', projectName: doc.projectName, approvers: policy.approvers, projectScoped: policy.projectKey !== null }, doc);
          }
          if (refusal.kind === 'already_voted') return refuse(input, { kind: 'already_voted', approvers: refusal.tally.approvers, needed: refusal.tally.needed }, doc);
          if (refusal.kind === 'already_decided' && refusal.state === 'cancelled') {
            const by = doc.cancelledBy;
            return refuse(input, { kind: 'cancelled', ...(typeof by === 'string' ? { by } : {}) }, doc);
          }
          return refuse(input, refusal, doc);
        }
        const outcome = verdict.value;
        const patch = outcome.kind === 'denied' ? { ...outcome.patch, denyReason: outcome.patch.denyReason.slice(0, DENY_REASON_MAX_LENGTH) } : outcome.patch;
        // The vote lands only on the version it was decided against; a concurrent vote that won is counted first.
        const cas = await deps.requests.update(doc.id, ['pending'], patch, { version: doc.version });
        if (cas.kind === 'missing') return refuse(input, { kind: 'not_found' }, null);
        if (cas.kind !== 'ok') {
          doc = cas.doc;
          continue;
        }
        const r = cas.doc;
        const base = { actor: input.actorId, target: r.id, at: now, project: r.projectId };
        if (outcome.kind === 'vote_recorded') {
          const { approvers, needed } = outcome.tally;
          await deps.audit.append({ ...base, action: `${kind.auditPrefix}.approve`, outcome: 'vote', detail: `via ${input.via}; ${approvers.length} of ${needed} approvals` });
          await announce(r, { kind: 'vote', by: input.actorId, approvers, needed } satisfies ApprovalEvent, `vote:${input.actorId}`);
        } else if (outcome.kind === 'approved') {
          await deps.requests.leavePending(r.id);
          const approvers = outcome.tally.approvers;
          await deps.audit.append({
            ...base,
            action: `${kind.auditPrefix}.approve`,
            outcome: 'approved',
            detail: `via ${input.via}${approvers.length > 1 ? `; ${approvers.length} of ${outcome.tally.needed} approvals` : ''}`,
          });
          await announce(r, { kind: 'approved', by: input.actorId, ...(approvers.length > 1 ? { approvers } : {}) });
          await kind.onApproved(r as never);
        } else {
          await deps.requests.leavePending(r.id);
          const reason = String(r.denyReason ?? '');
          await deps.audit.append({ ...base, action: `${kind.auditPrefix}.deny`, outcome: 'denied', detail: `via ${input.via}: ${reason}` });
          await announce(r, { kind: 'denied', by: input.actorId, reason });
        }
        return ok(r);
      }
      return refuse(input, { kind: 'already_decided', state: doc.state }, doc);
    },

    async cancel(input) {
      const now = deps.clock();
      const doc = await deps.requests.document(input.requestId);
      if (!doc) return err({ kind: 'not_found', requestId: input.requestId });
      const kind = kindOf(doc);
      const policy = policyOf(doc);
      const isAdmin = isAmong(policy.admins, input.actorId, await deps.groupsOf(input.actorId));
      const refuseCancel = async (refusal: CancelRefusal): Promise<Result<never, CancelRefusal>> => {
        await deps.audit.append({ actor: input.actorId, action: `${kind.auditPrefix}.cancel`, target: doc.id, outcome: `refused:${refusal.kind}`, at: now, project: doc.projectId });
        return err(refusal);
      };
      const verdict = cancelDecision(doc, { userId: input.actorId, isAdmin }, now);
      if (!verdict.ok && verdict.error.kind === 'not_allowed') return refuseCancel({ kind: 'not_allowed', request: doc });
      const cancelled = await deps.requests.update(doc.id, ['pending'], { state: 'cancelled', cancelledBy: input.actorId, cancelledAt: now, endedReason: 'cancelled' });
      if (cancelled.kind === 'missing') return err({ kind: 'not_found', requestId: input.requestId });
      if (cancelled.kind !== 'ok') return refuseCancel({ kind: 'not_pending', request: cancelled.doc });
      await deps.requests.leavePending(doc.id);
      await deps.audit.append({ actor: input.actorId, action: `${kind.auditPrefix}.cancel`, target: doc.id, outcome: 'cancelled', at: now, project: doc.projectId });
      await announce(cancelled.doc, { kind: 'cancelled', by: input.actorId });
      return ok(cancelled.doc);
    },

    async sweep() {
      let expired = 0;
      let reminded = 0;
      let escalated = 0;
      const ids = await deps.requests.pendingIds();
      for (const id of ids) {
        const doc = await deps.requests.document(id);
        if (!doc || doc.state !== 'pending') {
          await deps.requests.leavePending(id);
          continue;
        }
        if (deps.clock() >= doc.decideBy) {
          if (await expire(id)) expired += 1;
          continue;
        }
        if (nextNudgeAt(doc, policyOf(doc)) === null) continue;
        for (const n of await nudge(id)) {
          if (n === 'remind') reminded += 1;
          else escalated += 1;
        }
      }
      return { pending: ids.length, expired, reminded, escalated };
    },

    async markPosted(requestId, channel, ts) {
      await deps.requests.bindThread(channel, ts, requestId);
      const posted = await deps.requests.update(requestId, allStates, { channelId: channel, messageTs: ts });
      return posted.kind === 'missing' ? null : posted.doc;
    },

    async markUnpostable(requestId, reason) {
      await deps.requests.update(requestId, allStates, { messageUnpostable: true });
      const expired = await deps.requests.update(requestId, ['pending'], { state: 'expired', endedReason: `could not be posted in the approval channel (${reason})` });
      if (expired.kind === 'ok') await deps.requests.leavePending(requestId);
    },

    async dmPosted(requestId, event, place) {
      const doc = await deps.requests.document(requestId);
      if (!doc) return null;
      const kind = kindOf(doc);
      const kept = kind.dmPosted?.(doc, event, place);
      if (!kept) return null;
      const updated = await deps.requests.update(requestId, kind.states, kept.patch);
      // Appended, not flushed: the delivery that posted the DM is going through this outbox now.
      if (kept.then) await deps.outbox.appendOnce(requestId, kept.then, kept.then.kind);
      return updated.kind === 'ok' ? updated.doc : null;
    },
    followingDm: (doc) => kindOf(doc).followingDm?.(doc) ?? null,

    renderMessage: (doc, now) => kindOf(doc).renderMessage(doc, { now }),
    renderThreadNote(doc, event) {
      const read = parseOutboxEvent(doc, event, 'thread');
      if (!read) return null;
      return read.own ? deps.notices.threadNote(doc, read.event) : kindOf(doc).renderThreadNote(doc, read.event);
    },
    renderDm(doc, event) {
      const read = parseOutboxEvent(doc, event, 'dm');
      if (!read) return null;
      return read.own ? deps.notices.dm(doc, read.event, kindOf(doc).noun) : kindOf(doc).renderDm(doc, read.event);
    },
    refusalInWords(by, refusal) {
      const kind = refusal.requestKind ? kinds.get(refusal.requestKind) : undefined;
      return deps.notices.refusalInWords(by, refusal, {
        stateInWords: kind ? (s) => kind.stateInWords(s) : (s) => s.replaceAll('_', ' '),
        askAgainCommand: kind?.askAgainCommand ?? '`/openai-key request`',
      });
    },
  };
  return engine;
}

/** The approvers so far of a request, for renderers: distinct, requester excluded, in order. */
export { approversSoFar };
