/**
 * `/openai-key` text through the whole grammar (src/commands/domain/command.ts), as the slash command listener reads
 * it: `parsed` gives the command and fails the test on a refusal, `refused` the reverse.
 */
import { parseCommand, type Command, type CommandError } from '../../src/commands/domain/command.js';

/** The command `text` reads as; throws (failing the test) when it is refused. `now` is needed for `limit … until`. */
export const parsed = (text: string, context: { readonly now?: number } = {}): Command => {
  const result = parseCommand(text, context);
  if (!result.ok) throw new Error(`expected "${text}" to parse, got ${result.error.kind}: ${result.error.message}`);
  return result.value;
};

/** The refusal `text` gets; throws (failing the test) when it parses. */
export const refused = (text: string, context: { readonly now?: number } = {}): CommandError => {
  const result = parseCommand(text, context);
  if (result.ok) throw new Error(`expected "${text}" to be refused, got ${JSON.stringify(result.value)}`);
  return result.error;
};
