/** The deny-reason form (from a Deny button): the reason is required, then the denial is decided like any other. */
import type { App, ViewSubmitAction } from '@slack/bolt';
import { describeListenerFailure, type ListenerContext } from '../../platform/slack/context.js';
import { INPUT, VIEW } from '../../platform/slack/ids.js';
import { inputValue, metadata, type ViewArgs } from '../../platform/slack/viewState.js';
import type { ApprovalEngine } from '../engine.js';

export type DenyReasonDeps = { readonly approvals: Pick<ApprovalEngine, 'decide' | 'refusalInWords'>; readonly approvalChannel: string } & Pick<ListenerContext, 'log'>;

/** Registers the deny-reason form's submission. */
export function register(app: App, deps: DenyReasonDeps): void {
  app.view<ViewSubmitAction>(VIEW.denyReason, (args) => submitDenyReason(deps, args));
}

/** An empty reason is refused in the form; a refused denial is told to the approver in the approvals channel. */
async function submitDenyReason(deps: DenyReasonDeps, { ack, view, body, client }: ViewArgs): Promise<void> {
  const reason = inputValue(view.state.values, INPUT.reason);
  if (!reason) {
    await ack({ response_action: 'errors', errors: { [INPUT.reason.block]: 'Say why the request is denied; the requester will see it.' } });
    return;
  }
  await ack();
  const requestId = metadata(view.private_metadata).requestId ?? '';
  try {
    const decided = await deps.approvals.decide({ requestId, actorId: body.user.id, decision: { kind: 'deny', reason }, via: 'modal' });
    if (!decided.ok) await client.chat.postEphemeral({ channel: deps.approvalChannel, user: body.user.id, text: deps.approvals.refusalInWords(body.user.id, decided.error) });
  } catch (error) {
    deps.log.warn({ user: body.user.id, error: (error as Error).message }, 'deny failed');
    await client.chat.postEphemeral({ channel: deps.approvalChannel, user: body.user.id, text: describeListenerFailure(error) }).catch(() => undefined);
  }
}
