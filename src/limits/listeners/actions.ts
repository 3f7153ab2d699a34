/** The "Request a higher cap" button on a hard-cap notice: the limit form, with a higher cap filled in. */
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { renderErrorNotice } from '../../platform/slack/render/notices.js';
import { renderNoticeModal } from '../../platform/slack/render/noticeModal.js';
import { ackedButton, type ButtonArgs, type ListenerContext } from '../../platform/slack/context.js';
import { ACTION } from '../../platform/slack/ids.js';
import { suggestHigherCap } from '../domain/limits.js';
import type { LimitDeps } from '../index.js';
import { readHigherCapForm } from '../limitsRead.js';
import { renderLimitChangeModal } from '../render/index.js';

export type HigherCapDeps = Pick<LimitDeps, 'limits' | 'groupsOf' | 'settings'> & Pick<ListenerContext, 'log'>;

/** Registers the button; it acknowledges at once and answers a failure to the clicker alone. */
export function register(app: App, deps: HigherCapDeps): void {
  app.action<BlockAction<ButtonAction>>(ACTION.requestHigherCap, ackedButton(deps, openHigherCapForm, renderErrorNotice));
}

/** From a hard-cap notice: the limit form, with a higher cap filled in. */
async function openHigherCapForm(deps: HigherCapDeps, { action, body, client }: ButtonArgs): Promise<void> {
  const projectId = action.value ?? '';
  // Open now (the trigger lasts 3 s), fill in once the limits and the person's rights are read.
  const opened = await client.views.open({ trigger_id: body.trigger_id, view: renderNoticeModal('Spend limits', ':hourglass_flowing_sand: Reading the project’s limits…') });
  const { current, asAdmin } = await readHigherCapForm(deps, projectId, body.user.id);
  const currentHard = current?.hardCents ?? null;
  await client.views.update({
    view_id: opened.view?.id ?? '',
    view: renderLimitChangeModal({
      projectId,
      projectName: current?.projectName ?? projectId,
      current,
      ...(currentHard !== null ? { prefillHardCents: suggestHigherCap(currentHard) } : {}),
      asAdmin,
    }),
  });
}
