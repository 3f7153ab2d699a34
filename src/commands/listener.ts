/**
 * `/openai-key`: parse the text, ack within Slack's 3 seconds, then hand the command to the feature that owns it
 * (keys, limits, approvals), which does the slow part and answers through the command's response_url (ephemeral:
 * only the caller sees it). A text that does not parse, and `help`, are answered in the ack itself.
 */
import type { App } from '@slack/bolt';
import { runPolicyCommand, type PolicyCommandDeps } from '../approvals/listeners/commands.js';
import { renderCommandError, renderErrorNotice } from '../platform/slack/render/notices.js';
import { runKeyCommand, type KeyCommandDeps } from '../keys/listeners/commands.js';
import { runLimitCommand } from '../limits/listeners/commands.js';
import type { LimitDeps } from '../limits/index.js';
import { closestNames } from '../platform/domain/projects.js';
import { redactSecretText } from '../platform/log.js';
import { describeListenerFailure, ephemeral, type ListenerContext, type SlashCommandArgs } from '../platform/slack/context.js';
import { SLASH_COMMAND } from '../platform/slack/ids.js';
import type { RenderedMessage } from '../platform/slack/render/blocks.js';
import { HELP_ENTRIES, SUBCOMMANDS, helpEntriesOf, parseCommand, type Command, type HelpCommand } from './domain/command.js';
import { renderHelp, renderHelpTopic, renderUnknownHelpTopic } from './render/help.js';

export type CommandListenerDeps = KeyCommandDeps & LimitDeps & PolicyCommandDeps & Pick<ListenerContext, 'log'>;

/** Registers the `/openai-key` listener. */
export function register(app: App, deps: CommandListenerDeps): void {
  app.command(SLASH_COMMAND, async (args) => {
    const { command, ack, respond } = args;
    const parsed = parseCommand(command.text ?? '', { now: deps.clock() });
    if (!parsed.ok) {
      const { message, subcommand } = parsed.error;
      await ack(ephemeral(withoutSecrets(renderCommandError(message, subcommand === undefined ? [] : helpEntriesOf(subcommand)))));
      return;
    }
    const cmd = parsed.value;
    if (cmd.kind === 'help') {
      await ack(ephemeral(withoutSecrets(renderHelpAnswer(cmd))));
      return;
    }
    await ack();
    try {
      await runCommand(deps, cmd, args);
    } catch (error) {
      deps.log.warn({ command: cmd.kind, user: command.user_id, error: (error as Error).message }, 'command failed');
      await respond(ephemeral(renderErrorNotice({ what: describeListenerFailure(error) }))).catch(() => undefined);
    }
  });
}

/**
 * An answer in the ack quotes what was typed back ("…" is not an /openai-key command); a pasted OpenAI key or Slack
 * token in it is replaced by `[redacted]` (the patterns of `redactSecretText`), since the ack is shown in Slack and,
 * in Socket Mode, kept in Redis for redelivery. Masked forms (`sk-…abcd`) are left as they are.
 */
function withoutSecrets(message: RenderedMessage): RenderedMessage {
  return JSON.parse(redactSecretText(JSON.stringify(message))) as RenderedMessage;
}

/** `help`: every subcommand, one in detail, or the word asked about that is no subcommand (with the closest one). */
function renderHelpAnswer(cmd: HelpCommand): RenderedMessage {
  if (cmd.unknownTopic !== undefined) {
    const [suggestion] = closestNames(cmd.unknownTopic, SUBCOMMANDS, 1);
    return renderUnknownHelpTopic(cmd.unknownTopic, SUBCOMMANDS, suggestion);
  }
  return cmd.topic === null ? renderHelp(HELP_ENTRIES) : renderHelpTopic(cmd.topic, helpEntriesOf(cmd.topic));
}

/** Dispatches a parsed command (after the ack) to the feature that owns its subcommand. */
async function runCommand(deps: CommandListenerDeps, cmd: Exclude<Command, HelpCommand>, args: SlashCommandArgs): Promise<void> {
  switch (cmd.kind) {
    case 'request-modal':
    case 'request':
    case 'list':
    case 'cancel':
    case 'revoke':
      return runKeyCommand(deps, cmd, args);
    case 'limits':
    case 'limit':
    case 'ratelimit-show':
    case 'ratelimit':
    case 'audit':
      return runLimitCommand(deps, cmd, args);
    case 'policy':
      return runPolicyCommand(deps, cmd, args);
  }
}
