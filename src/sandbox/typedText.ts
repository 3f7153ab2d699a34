/**
 * What Slack's client sends for text a person typed: `&`, `<` and `>` escaped, and (as with keywarden's
 * `should_escape: true` command) `@name`, `@group`, `@here` and `#channel` turned into Slack's id tokens.
 */

export interface TypedTextDirectory {
  /** user name (display or real) → user id */
  readonly users: ReadonlyMap<string, string>;
  /** user-group handle → user-group id */
  readonly usergroups: ReadonlyMap<string, string>;
  /** channel name → channel id */
  readonly channels: ReadonlyMap<string, string>;
}

const BROADCASTS = new Set(['here', 'channel', 'everyone']);

export function encodeTypedText(typed: string, directory: TypedTextDirectory): string {
  const escaped = typed.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return escaped.replace(/(^|[\s(])([@#])([a-z0-9][a-z0-9._-]*)/gi, (whole, before: string, sigil: string, name: string) => {
    const key = name.toLowerCase();
    if (sigil === '#') {
      const channelId = directory.channels.get(key);
      return channelId ? `${before}<#${channelId}|${key}>` : whole;
    }
    if (BROADCASTS.has(key)) return `${before}<!${key}>`;
    const userId = directory.users.get(key);
    if (userId) return `${before}<@${userId}|${key}>`;
    const groupId = directory.usergroups.get(key);
    return groupId ? `${before}<!subteam^${groupId}|@${key}>` : whole;
  });
}

export type ComposerInput =
  | { readonly kind: 'command'; readonly command: string; readonly text: string }
  | { readonly kind: 'message'; readonly text: string };

/** A composer line that starts with `/` is a slash command (its first word), the rest of the line its text. */
export function readComposerInput(typed: string): ComposerInput {
  const trimmed = typed.trim();
  const match = /^(\/\S+)(?:\s+([\s\S]*))?$/.exec(trimmed);
  if (!match) return { kind: 'message', text: typed };
  return { kind: 'command', command: match[1]!.toLowerCase(), text: (match[2] ?? '').trim() };
}
