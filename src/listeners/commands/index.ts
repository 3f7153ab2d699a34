/**
 * `/openai-key`: parse the text, ack within Slack's 3 seconds, then do the slow part and answer through the
 * command's response_url (ephemeral: only the caller sees it).
 */
import type { App, SlackCommandMiddlewareArgs, AllMiddlewareArgs } from '@slack/bolt';
import { HELP_ENTRIES, SUBCOMMANDS, helpEntriesOf, parseCommand, type Command } from '../../commands/domain/command.js';
import { closestNames } from '../../platform/domain/projects.js';
import type { KeyRequest } from '../../keys/domain/keyRequest.js';
import { cancelRequest, listRequests, openRequest, revokeKey, saveRequestDraft, type OpenRefusal } from '../../keys/index.js';
import { SLASH_COMMAND } from '../../platform/slack/ids.js';
import {
  renderCommandError,
  renderDuplicateRequestWarning,
  renderErrorNotice,
  renderHelp,
  renderHelpTopic,
  renderNotice,
  renderRequestCancelled,
  renderRequestList,
  renderRequestModal,
  renderRequestSent,
  renderStateInWords,
  renderUnknownHelpTopic,
  type RenderedMessage,
} from '../../keys/render/index.js';
import { describeListenerFailure, type SlackListenerDeps } from '../../platform/slack/context.js';
import { ephemeral } from './ephemeral.js';
import { runLimitsCommand } from './limits.js';
import { renderPolicy, type PolicySection } from '../../approvals/policyWords.js';
import { REQUEST_KIND_NAMES } from '../../approvals/domain/policy.js';
import { projectError } from '../../platform/domain/userFacingError.js';

export { ephemeral } from './ephemeral.js';

type CommandArgs = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

export function register(app: App, deps: SlackListenerDeps): void {
  app.command(SLASH_COMMAND, async (args) => {
    const { command, ack, respond } = args;
    const parsed = parseCommand(command.text ?? '', { now: deps.clock() });
    if (!parsed.ok) {
      const { message, subcommand } = parsed.error;
      await ack(ephemeral(renderCommandError(message, subcommand === undefined ? [] : helpEntriesOf(subcommand))));
      return;
    }
    const cmd = parsed.value;
    if (cmd.kind === 'help') {
      if (cmd.unknownTopic !== undefined) {
        const [suggestion] = closestNames(cmd.unknownTopic, SUBCOMMANDS, 1);
        await ack(ephemeral(renderUnknownHelpTopic(cmd.unknownTopic, SUBCOMMANDS, suggestion)));
        return;
      }
      await ack(ephemeral(cmd.topic === null ? renderHelp(HELP_ENTRIES) : renderHelpTopic(cmd.topic, helpEntriesOf(cmd.topic))));
      return;
    }
    await ack();
    try {
      await runCommand(cmd, args, deps);
    } catch (error) {
      deps.log.warn({ command: cmd.kind, user: command.user_id, error: (error as Error).message }, 'command failed');
      await respond(ephemeral(renderErrorNotice({ what: describeListenerFailure(error) }))).catch(() => undefined);
    }
  });
}

/**
 * What to tell someone whose request was not opened: the error with the request command's usage, or, for a
 * duplicate, the waiting request and a "Send another request" button (the typed request kept as a draft).
 */
export async function answerOpenRefusal(deps: SlackListenerDeps, requesterId: string, refusal: OpenRefusal): Promise<RenderedMessage> {
  if (refusal.kind === 'invalid') return renderCommandError(refusal.what, helpEntriesOf('request'), refusal.hint === undefined ? {} : { hint: refusal.hint });
  const draftId = await saveRequestDraft(deps, { requesterId, projectId: refusal.projectId, purpose: refusal.purpose, lifetimeDays: refusal.lifetimeDays });
  return renderDuplicateRequestWarning(refusal.existing, draftId);
}

const stateOf = (r: KeyRequest): string => renderStateInWords(r.state);

async function runCommand(cmd: Command, args: CommandArgs, deps: SlackListenerDeps): Promise<void> {
  const { command, respond, client } = args;
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
        await respond(ephemeral(renderCommandError(split.error.message, helpEntriesOf('request'))));
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
      await respond(ephemeral(renderCommandError(what, helpEntriesOf('cancel'))));
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
      await respond(ephemeral(renderCommandError(what, helpEntriesOf('revoke'))));
      return;
    }
    case 'policy': {
      const sectionFor = (project: { id: string; name: string } | null): PolicySection => ({
        projectName: project?.name ?? null,
        ...(project ? { projectId: project.id } : {}),
        byKind: REQUEST_KIND_NAMES.map((kind) => ({ kind, policy: deps.approvals.policyFor(project ?? { id: '', name: '' }, kind) })),
      });
      const fromFile = deps.approvals.policyFile !== null;
      if (cmd.project !== null) {
        const found = await deps.projects.resolve(cmd.project);
        if (!found.ok) {
          const e = projectError(found.error);
          await respond(ephemeral(renderCommandError(e.what, helpEntriesOf('policy'), e.hint === undefined ? {} : { hint: e.hint })));
          return;
        }
        await respond(ephemeral(renderPolicy([sectionFor(found.value)], { fromFile })));
        return;
      }
      // The defaults, then every project the file names (by id or name), by the name OpenAI knows it by.
      const all = await deps.projects.list();
      const named = deps.approvals.namedProjects().map((key) => all.find((p) => p.id === key || p.name.trim().toLowerCase() === key.trim().toLowerCase()) ?? { id: key, name: key });
      await respond(ephemeral(renderPolicy([sectionFor(null), ...named.map(sectionFor)], { fromFile })));
      return;
    }
    default: {
      if (await runLimitsCommand(cmd, args, deps)) return;
      const help = renderHelp(HELP_ENTRIES);
      await respond(ephemeral({ text: help.text, blocks: help.blocks }));
    }
  }
}
