/** Types of blockkit.js (plain JavaScript, so that the browser loads it as it is). */

export interface BlockKitContext {
  /** user id → display name, for `<@U…>` mentions */
  readonly users?: Readonly<Record<string, string>>;
  /** channel id → name, for `<#C…>` mentions */
  readonly channels?: Readonly<Record<string, string>>;
  /** user-group id → handle, for `<!subteam^S…>` */
  readonly usergroups?: Readonly<Record<string, string>>;
  /** the viewer, whose mentions are highlighted */
  readonly me?: string;
  /** IANA zone for `<!date…>`; the runtime's own zone when absent */
  readonly timeZone?: string;
  /** "now" in ms, for today / yesterday / ago */
  readonly now?: number;
  readonly surface?: 'message' | 'modal';
  /** block_id → message, from a view_submission answered with `response_action: 'errors'` */
  readonly errors?: Readonly<Record<string, string>>;
  /** false links bare URLs, as Slack does for mrkdwn that is not verbatim */
  readonly verbatim?: boolean;
}

export function escapeHtml(text: unknown): string;
export function decodeSlackEntities(text: unknown): string;
export function emojiFor(name: string): string | undefined;
export function formatSlackDate(seconds: number | string, format: string, ctx?: BlockKitContext): string | undefined;
export function renderMrkdwn(text: unknown, ctx?: BlockKitContext): string;
export function renderText(textObject: unknown, ctx?: BlockKitContext): string;
export function textOf(textObject: unknown): string;
export function renderElement(element: unknown, ctx?: BlockKitContext, blockId?: string): string;
export function renderOptionList(state: { loading?: boolean; error?: string; options?: readonly { text: string; value: string }[] }): string;
export function renderBlock(block: unknown, ctx?: BlockKitContext): string;
export function renderBlocks(blocks: unknown, ctx?: BlockKitContext): string;
