/**
 * The key subcommands of `/openai-key` (request, list, cancel, revoke), once parsed and acknowledged: each calls the
 * key-request flow and answers through the command's response_url (ephemeral: only the caller sees it). The router
 * (src/commands/listener.ts) parses the text and dispatches here.
 */
import { helpEntriesIn } from '../../platform/domain/commandText.js';
import { ephemeral, type SlashCommandArgs } from '../../platform/slack/context.js';
import { KEY_HELP, type KeyCommand } from '../domain/keyCommands.js';
import type { KeyRequest } from '../domain/keyRequest.js';
import { cancelRequest, listRequests, openRequest, revokeKey, type KeyRequestDeps } from '../index.js';
import { renderRequestCancelled, renderRequestList, renderRequestModal, renderRequestSent, renderStateInWords } from '../render/index.js';
import { renderCommandError, renderNotice } from '../../platform/slack/render/notices.js';
import { answerOpenRefusal } from './openRefusal.js';

export type KeyCommandDeps = Pick<KeyRequestDeps, 'keyRequests' | 'audit' | 'projects' | 'queues' | 'clock' | 'settings' | 'approvals' | 'groupsOf'> & {
  readonly approvalChannel: string;
};

const stateOf = (r: KeyRequest): string => renderStateInWords(r.state);

/** Runs one key subcommand for the person who typed it and answers them. Errors: whatever the flow throws. */
export async function runKeyCommand(deps: KeyCommandDeps, cmd: KeyCommand, { command, respond, client }: SlashCommandArgs): Promise<void> {
  const userId = command.user_id;
  switch (cmd.kind) {
    case 'request-modal': {
      // The project field searches as people type (the options listener), so the form opens at once, without OpenAI.
      const known = await deps.projects.search('', { limit: 0, wait: false });
      deps.projects.refreshIfStale();
      await client.views.open({
        trigger_id: command.trigger_id,
        view: renderRequestModal({
          activeProjects: known.ready ? known.activeCount : null,
          defaultDays: deps.settings.keyDays.default,
          maxDays: deps.settings.keyDays.max,
          channelId: command.channel_id,
        }),
      });
      return;
    }
    case 'request': {
      const split = await deps.projects.split(cmd.args);
      if (!split.ok) {
        await respond(ephemeral(renderCommandError(split.error.message, helpEntriesIn(KEY_HELP, 'request'))));
        return;
      }
      const opened = await openRequest(deps, { requesterId: userId, project: split.value.project.id, purpose: split.value.purpose });
      await respond(ephemeral(opened.ok ? renderRequestSent(opened.value, deps.approvalChannel) : await answerOpenRefusal(deps, userId, opened.error)));
      return;
    }
    case 'list': {
      const items = await listRequests(deps, userId);
      await respond(ephemeral(renderRequestList(items, { now: deps.clock() })));
      return;
    }
    case 'cancel': {
      const cancelled = await cancelRequest(deps, { requestId: cmd.requestId, actorId: userId });
      if (cancelled.ok) {
        await respond(ephemeral(renderRequestCancelled(cancelled.value, userId)));
        return;
      }
      const e = cancelled.error;
      const what =
        e.kind === 'not_found'
          ? `No request ${e.requestId} was found.`
          : e.kind === 'not_allowed'
            ? `Only the person who made ${e.request.id}, or an admin, can cancel it.`
            : e.request.state === 'cancelled'
              ? `${e.request.id} is already cancelled.`
              : e.request.state === 'approved' || e.request.state === 'provisioning' || e.request.state === 'awaiting_reveal' || e.request.state === 'active'
                ? `${e.request.id} was already approved (${stateOf(e.request)}), so there is nothing to cancel. To stop its key, use \`/openai-key revoke ${e.request.id}\`.`
                : `${e.request.id} is no longer waiting for an approver (${stateOf(e.request)}), so there is nothing to cancel.`;
      await respond(ephemeral(renderCommandError(what, helpEntriesIn(KEY_HELP, 'cancel'))));
      return;
    }
    case 'revoke': {
      const revoked = await revokeKey(deps, { target: cmd.id, kind: cmd.target, actorId: userId });
      if (revoked.ok) {
        const r = revoked.value;
        await respond(
          ephemeral(
            renderNotice(
              r.serviceAccountId === undefined
                ? `Stopped ${r.id} for ${r.projectName} before its key was created, so no key will be handed out; anything its provisioning started at OpenAI is being cleaned up. The request’s thread has been told.`
                : `Revoking the key for ${r.projectName} (request ${r.id}). Its service account is being deleted at OpenAI; the request’s thread has been told.`,
            ),
          ),
        );
        return;
      }
      const e = revoked.error;
      const what =
        e.kind === 'not_found'
          ? `No request or key “${e.target}” was found among the keys you may revoke.`
          : e.kind === 'not_allowed'
            ? 'Only the key’s owner or an admin can revoke it.'
            : e.kind === 'ambiguous'
              ? `“${e.target}” matches ${e.candidates.length} keys: ${e.candidates.map((r) => `${r.id} (${r.projectName}, ${stateOf(r)})`).join(', ')}. Revoke one by its request id, like: /openai-key revoke ${e.candidates[0]?.id ?? ''}`
              : e.kind === 'pending'
                ? `${e.request.id} is still waiting for an approver, so it holds no key. To withdraw it, use: /openai-key cancel ${e.request.id}`
                : `${e.request.id} holds no key to revoke (it is ${stateOf(e.request)}).`;
      await respond(ephemeral(renderCommandError(what, helpEntriesIn(KEY_HELP, 'revoke'))));
      return;
    }
  }
}
