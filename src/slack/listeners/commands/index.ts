/**
 * `/openai-key`: parse the text, ack within Slack's 3 seconds, then do the slow part and answer through the
 * command's response_url (ephemeral: only the caller sees it).
 */
import type { App, SlackCommandMiddlewareArgs, AllMiddlewareArgs } from '@slack/bolt';
import { HELP_ENTRIES, parseCommand, type Command, type HelpEntry, type Subcommand } from '../../../domain/command.js';
import { listRequests, openRequest, revokeKey } from '../../../services/keyRequests.js';
import { SLASH_COMMAND } from '../../ids.js';
import { renderErrorNotice, renderHelp, renderNotice, renderRequestList, renderRequestModal, renderRequestSent } from '../../render/index.js';
import { describeListenerFailure, type SlackListenerDeps } from '../../context.js';
import { ephemeral } from './ephemeral.js';
import { runLimitsCommand } from './limits.js';

export { ephemeral } from './ephemeral.js';

type CommandArgs = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

/** Every help entry, those of `topic` first; the rest stay in their order so the whole list is still at hand. */
const helpEntriesFor = (topic: Subcommand): HelpEntry[] => {
  const isTopic = (entry: HelpEntry): boolean => entry.usage.split(' ')[0] === topic;
  return [...HELP_ENTRIES.filter(isTopic), ...HELP_ENTRIES.filter((entry) => !isTopic(entry))];
};

export function register(app: App, deps: SlackListenerDeps): void {
  app.command(SLASH_COMMAND, async (args) => {
    const { command, ack, respond } = args;
    const parsed = parseCommand(command.text ?? '');
    if (!parsed.ok) {
      const help = renderHelp(HELP_ENTRIES);
      const error = renderErrorNotice({ what: parsed.error.message });
      await ack({ response_type: 'ephemeral', text: error.text, blocks: [...error.blocks, ...help.blocks].slice(0, 50) });
      return;
    }
    const cmd = parsed.value;
    if (cmd.kind === 'help') {
      const help = cmd.topic === null ? renderHelp(HELP_ENTRIES) : renderHelp(helpEntriesFor(cmd.topic), { intro: `Help for \`${cmd.topic}\`:` });
      await ack(ephemeral(help));
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

async function runCommand(cmd: Command, args: CommandArgs, deps: SlackListenerDeps): Promise<void> {
  const { command, respond, client } = args;
  const userId = command.user_id;
  switch (cmd.kind) {
    case 'request-modal': {
      const modal = (projects: { id: string; name: string; status: string }[]) =>
        renderRequestModal({
          projects: projects.filter((p) => p.status === 'active'),
          defaultDays: deps.settings.keyDays.default,
          maxDays: deps.settings.keyDays.max,
          channelId: command.channel_id,
        });
      const cached = await deps.projects.cached();
      if (cached) {
        await client.views.open({ trigger_id: command.trigger_id, view: modal(cached) });
        return;
      }
      // The trigger lasts 3 seconds and OpenAI may be slower: open a placeholder now, fill it in when projects arrive.
      const opened = await client.views.open({ trigger_id: command.trigger_id, view: loadingModal() });
      const viewId = opened.view?.id ?? '';
      try {
        await client.views.update({ view_id: viewId, view: modal(await deps.projects.list()) });
      } catch (error) {
        await client.views.update({ view_id: viewId, view: loadingModal(`:warning: ${describeListenerFailure(error)}`) });
        throw error;
      }
      return;
    }
    case 'request': {
      const split = await deps.projects.split(cmd.args);
      if (!split.ok) {
        await respond(ephemeral(renderErrorNotice({ what: split.error.message })));
        return;
      }
      const opened = await openRequest(deps, { requesterId: userId, project: split.value.project.id, purpose: split.value.purpose });
      await respond(ephemeral(opened.ok ? renderRequestSent(opened.value, deps.approvalChannel) : renderErrorNotice(opened.error)));
      return;
    }
    case 'list': {
      const items = await listRequests(deps, userId);
      await respond(ephemeral(renderRequestList(items, { now: deps.clock() })));
      return;
    }
    case 'revoke': {
      const revoked = await revokeKey(deps, { target: cmd.id, actorId: userId });
      if (revoked.ok) {
        const r = revoked.value;
        await respond(
          ephemeral(
            renderNotice(
              r.serviceAccountId === undefined
                ? `Stopped ${r.id} for ${r.projectName} before its key was created, so no key will be handed out; anything its provisioning started at OpenAI is being cleaned up. The request’s thread has been told.`
                : `Revoking the key for ${r.projectName} (${r.id}). Its service account is being deleted at OpenAI; the request’s thread has been told.`,
            ),
          ),
        );
        return;
      }
      const e = revoked.error;
      const what =
        e.kind === 'not_found'
          ? `No request or key called “${e.target}” was found.`
          : e.kind === 'not_allowed'
            ? 'Only the key’s owner or an admin can revoke it.'
            : `${e.request.id} holds no key to revoke (it is ${e.request.state.replace('_', ' ')}).`;
      await respond(ephemeral(renderErrorNotice({ what, hint: 'See your requests and keys with `/openai-key list`.' })));
      return;
    }
    default: {
      if (await runLimitsCommand(cmd, args, deps)) return;
      const help = renderHelp(HELP_ENTRIES);
      await respond(ephemeral({ text: help.text, blocks: help.blocks }));
    }
  }
}

function loadingModal(text = ':hourglass_flowing_sand: Loading the organization’s projects…') {
  return {
    type: 'modal' as const,
    title: { type: 'plain_text' as const, text: 'Request an OpenAI key' },
    close: { type: 'plain_text' as const, text: 'Cancel' },
    blocks: [{ type: 'section' as const, text: { type: 'mrkdwn' as const, text } }],
  };
}
