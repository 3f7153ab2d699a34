/**
 * Views: modals and App Home tabs, as `views.open`, `views.push`, `views.update` and `views.publish` make them
 * (https://docs.slack.dev/reference/views/modal-views, https://docs.slack.dev/reference/methods/views.push,
 * https://docs.slack.dev/reference/methods/views.update, https://docs.slack.dev/reference/methods/views.publish) and
 * as the app's answer to a view_submission changes them (https://docs.slack.dev/surfaces/modals#interactions).
 * Slack's rules kept here: a view must pass Block Kit's view checks (blockKitValidator.ts); opening a modal replaces
 * the person's modal stack, which holds at most 3 views (push_limit_reached); an open view's external_id is unique
 * (duplicate_external_id); a stale `hash` answers hash_conflict; each person has one App Home view, updated in place.
 */
import { withGeneratedIds } from '../blocks.js';
import { viewProblems } from '../blockKitValidator.js';
import { slackId, viewHash } from '../ids.js';
import type { SlackView, ViewStateValues } from '../types.js';
import { failure, invalidArguments, isRecord, isTruthyFlag, type ApiAnswer } from './apiAnswer.js';
import type { WorkspaceContext } from './context.js';
import type { People } from './people.js';
import type { Triggers } from './triggers.js';

/** A modal stack's depth: the root view and 2 pushed on it (https://docs.slack.dev/reference/methods/views.push). */
const MAX_VIEW_STACK = 3;

interface ViewDefinition {
  type: 'modal' | 'home';
  title?: unknown;
  submit?: unknown;
  close?: unknown;
  blocks: unknown[];
  callback_id: string;
  private_metadata: string;
  external_id: string;
  notify_on_close: boolean;
  clear_on_close: boolean;
}

/** A view as Slack hands it to apps, without the emulator's bookkeeping. */
export function viewPayload(view: SlackView): Record<string, unknown> {
  const { userId: _u, triggerId: _t, openedAt: _o, updatedAt: _up, closedAt: _c, errors: _e, ...rest } = view;
  return structuredClone(rest);
}

export class Views {
  private readonly viewsById = new Map<string, SlackView>();
  private readonly modalStacks = new Map<string, string[]>();
  private readonly homeByUser = new Map<string, string>();

  constructor(
    private readonly context: Pick<WorkspaceContext, 'teamId' | 'botId' | 'appId' | 'now' | 'emit'>,
    private readonly triggers: Pick<Triggers, 'usableTrigger'>,
    private readonly people: Pick<People, 'hasUser'>,
  ) {}

  private checkView(view: unknown, allowed: readonly ('modal' | 'home')[]): ViewDefinition | ApiAnswer {
    const problems = viewProblems(view, allowed);
    if (!isRecord(view) || problems.length > 0) return invalidArguments(problems);
    const type = view.type;
    const privateMetadata = view.private_metadata ?? '';
    const callbackId = view.callback_id ?? '';
    return {
      type: type as 'modal' | 'home',
      ...(view.title !== undefined ? { title: structuredClone(view.title) } : {}),
      ...(view.submit !== undefined ? { submit: structuredClone(view.submit) } : {}),
      ...(view.close !== undefined ? { close: structuredClone(view.close) } : {}),
      blocks: withGeneratedIds(view.blocks as unknown[]),
      callback_id: callbackId as string,
      private_metadata: privateMetadata as string,
      external_id: typeof view.external_id === 'string' ? view.external_id : '',
      notify_on_close: isTruthyFlag(view.notify_on_close),
      clear_on_close: isTruthyFlag(view.clear_on_close),
    };
  }

  private externalIdTaken(externalId: string, exceptViewId?: string): boolean {
    if (externalId === '') return false;
    for (const view of this.viewsById.values()) {
      if (view.id !== exceptViewId && view.closedAt === undefined && view.external_id === externalId) return true;
    }
    return false;
  }

  private createView(definition: ViewDefinition, userId: string, stack: string[], triggerId?: string): SlackView {
    const id = slackId('V');
    const now = this.context.now();
    const view: SlackView = {
      id,
      team_id: this.context.teamId,
      ...definition,
      state: { values: {} },
      hash: viewHash(now),
      root_view_id: stack[0] ?? id,
      previous_view_id: stack.at(-1) ?? null,
      app_id: this.context.appId,
      bot_id: this.context.botId,
      userId,
      ...(triggerId ? { triggerId } : {}),
      openedAt: now,
      updatedAt: now,
    };
    this.viewsById.set(id, view);
    return view;
  }

  private closeModalStack(userId: string): void {
    for (const viewId of this.modalStacks.get(userId) ?? []) this.closeView(viewId);
    this.modalStacks.delete(userId);
  }

  private closeView(viewId: string): void {
    const view = this.viewsById.get(viewId);
    if (!view || view.closedAt !== undefined) return;
    view.closedAt = this.context.now();
    const stack = this.modalStacks.get(view.userId);
    if (stack) {
      const remaining = stack.filter((id) => id !== viewId);
      if (remaining.length > 0) this.modalStacks.set(view.userId, remaining);
      else this.modalStacks.delete(view.userId);
    }
    this.context.emit({ kind: 'view.closed', userId: view.userId, viewId });
  }

  /** views.open: spends the trigger, closes the person's open modals and opens this one as a new stack. */
  openView(triggerId: unknown, viewArgument: unknown): ApiAnswer {
    const trigger = this.triggers.usableTrigger(triggerId);
    if ('ok' in trigger) return trigger;
    const definition = this.checkView(viewArgument, ['modal']);
    if ('ok' in definition) return definition;
    if (this.externalIdTaken(definition.external_id)) return failure('duplicate_external_id');
    trigger.used = true;
    this.closeModalStack(trigger.userId);
    const view = this.createView(definition, trigger.userId, [], triggerId as string);
    this.modalStacks.set(trigger.userId, [view.id]);
    this.context.emit({ kind: 'view.opened', userId: trigger.userId, viewId: view.id });
    return { ok: true, view: viewPayload(view) };
  }

  /** views.push: spends the trigger and pushes the modal on the person's stack, up to 3 views. */
  pushView(triggerId: unknown, viewArgument: unknown): ApiAnswer {
    const trigger = this.triggers.usableTrigger(triggerId);
    if ('ok' in trigger) return trigger;
    const definition = this.checkView(viewArgument, ['modal']);
    if ('ok' in definition) return definition;
    const stack = this.modalStacks.get(trigger.userId) ?? [];
    if (stack.length >= MAX_VIEW_STACK) return failure('push_limit_reached');
    if (this.externalIdTaken(definition.external_id)) return failure('duplicate_external_id');
    trigger.used = true;
    const view = this.pushOnto(trigger.userId, definition, triggerId as string);
    return { ok: true, view: viewPayload(view) };
  }

  private pushOnto(userId: string, definition: ViewDefinition, triggerId?: string): SlackView {
    const stack = this.modalStacks.get(userId) ?? [];
    const view = this.createView(definition, userId, stack, triggerId);
    this.modalStacks.set(userId, [...stack, view.id]);
    this.context.emit({ kind: 'view.pushed', userId, viewId: view.id });
    return view;
  }

  /** views.update of an open view found by id or else external_id, refused when `hash` is given and stale. */
  updateView(target: { viewId?: unknown; externalId?: unknown; hash?: unknown }, viewArgument: unknown): ApiAnswer {
    let view: SlackView | undefined;
    if (typeof target.viewId === 'string' && target.viewId !== '') view = this.viewsById.get(target.viewId);
    else if (typeof target.externalId === 'string' && target.externalId !== '') {
      view = [...this.viewsById.values()].find((v) => v.closedAt === undefined && v.external_id === target.externalId);
    } else return invalidArguments(['either view_id or external_id is required']);
    if (!view || view.closedAt !== undefined) return failure('not_found');
    if (typeof target.hash === 'string' && target.hash !== '' && target.hash !== view.hash) return failure('hash_conflict');
    const definition = this.checkView(viewArgument, [view.type]);
    if ('ok' in definition) return definition;
    if (this.externalIdTaken(definition.external_id, view.id)) return failure('duplicate_external_id');
    this.replaceViewContent(view, definition);
    this.context.emit({ kind: 'view.updated', userId: view.userId, viewId: view.id });
    return { ok: true, view: viewPayload(view) };
  }

  /** New content for a view: what the definition leaves out (title, submit, close, errors) goes; a new hash. */
  private replaceViewContent(view: SlackView, definition: ViewDefinition): void {
    delete view.title;
    delete view.submit;
    delete view.close;
    delete view.errors;
    Object.assign(view, definition);
    view.hash = viewHash(this.context.now());
    view.updatedAt = this.context.now();
  }

  /** views.publish: the person's App Home view, created on first publish and updated in place after. */
  publishHome(userId: unknown, viewArgument: unknown, hash: unknown): ApiAnswer {
    if (typeof userId !== 'string' || !this.people.hasUser(userId)) return failure('user_not_found');
    const definition = this.checkView(viewArgument, ['home']);
    if ('ok' in definition) return definition;
    const existingId = this.homeByUser.get(userId);
    const existing = existingId ? this.viewsById.get(existingId) : undefined;
    if (existing && typeof hash === 'string' && hash !== '' && hash !== existing.hash) return failure('hash_conflict');
    let view: SlackView;
    if (existing) {
      this.replaceViewContent(existing, definition);
      view = existing;
    } else {
      view = this.createView(definition, userId, []);
      this.homeByUser.set(userId, view.id);
    }
    this.context.emit({ kind: 'home.published', userId, viewId: view.id });
    return { ok: true, view: viewPayload(view) };
  }

  /** A copy of one view, open or closed. */
  view(viewId: string): SlackView | undefined {
    const view = this.viewsById.get(viewId);
    return view ? structuredClone(view) : undefined;
  }

  /** Copies of the views matching the filter, oldest first. */
  views(filter: { userId?: string; openOnly: boolean; type?: 'modal' | 'home' }): SlackView[] {
    return [...this.viewsById.values()]
      .filter((v) => (filter.userId === undefined || v.userId === filter.userId) && (filter.type === undefined || v.type === filter.type))
      .filter((v) => !filter.openOnly || v.closedAt === undefined)
      .map((v) => structuredClone(v));
  }

  /** A copy of the person's App Home view, once published. */
  homeView(userId: string): SlackView | undefined {
    const id = this.homeByUser.get(userId);
    return id ? this.view(id) : undefined;
  }

  /** Keeps what the person entered in the view (its `state.values`), as a copy. */
  recordViewState(viewId: string, values: ViewStateValues): void {
    const view = this.viewsById.get(viewId);
    if (view) view.state = { values: structuredClone(values) };
  }

  /**
   * What Slack does with the app's answer to a view_submission (https://docs.slack.dev/surfaces/modals#interactions):
   * a non-2xx status leaves the modal open; `response_action` 'errors' shows the errors, 'update' replaces the view,
   * 'push' pushes one (when the stack has room), 'clear' closes the whole stack; anything else closes this view.
   */
  applyViewSubmissionAck(viewId: string, status: number, ack: unknown): void {
    const view = this.viewsById.get(viewId);
    if (!view || view.closedAt !== undefined) return;
    // A failed acknowledgement leaves the modal open with an error shown to the user.
    if (status < 200 || status >= 300) return;
    const action = isRecord(ack) ? ack.response_action : undefined;
    if (action === 'errors' && isRecord(ack) && isRecord(ack.errors)) {
      view.errors = Object.fromEntries(Object.entries(ack.errors).map(([k, v]) => [k, String(v)]));
      this.context.emit({ kind: 'view.updated', userId: view.userId, viewId });
      return;
    }
    if ((action === 'update' || action === 'push') && isRecord(ack)) {
      const definition = this.checkView(ack.view, ['modal']);
      if ('ok' in definition) return;
      if (action === 'update') {
        this.replaceViewContent(view, definition);
        this.context.emit({ kind: 'view.updated', userId: view.userId, viewId });
      } else if ((this.modalStacks.get(view.userId)?.length ?? 0) < MAX_VIEW_STACK) {
        this.pushOnto(view.userId, definition);
      }
      return;
    }
    if (action === 'clear') {
      this.closeModalStack(view.userId);
      return;
    }
    this.closeView(viewId);
  }
}
