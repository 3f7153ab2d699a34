import type {
  ActionsBlock,
  Button,
  ContextBlock,
  HeaderBlock,
  KnownBlock,
  ModalView,
  MrkdwnElement,
  PlainTextElement,
  SectionBlock,
} from '@slack/types';
import { BLOCK_KIT_LIMITS } from './blockKitLimits.js';
import { truncateMrkdwn, truncateText } from './mrkdwn.js';

/** What every message renderer returns: `text` is the notification and screen-reader fallback. */
export interface RenderedMessage {
  readonly text: string;
  readonly blocks: KnownBlock[];
}

/** Plain text is not parsed by Slack, so it is only shortened, never escaped. */
export const plainText = (text: string, max: number): PlainTextElement => ({
  type: 'plain_text',
  text: truncateText(text, max),
  emoji: true,
});

/**
 * `text` must already be safe mrkdwn (built from escaped user text). `verbatim` stops Slack from auto-linking
 * names and URLs inside user text; keywarden's own `<@U…>` and `<!date…>` tokens still work.
 */
export const mrkdwnText = (text: string, max: number): MrkdwnElement => ({
  type: 'mrkdwn',
  text: truncateMrkdwn(text, max),
  verbatim: true,
});

export const headerBlock = (text: string): HeaderBlock => ({
  type: 'header',
  text: plainText(text, BLOCK_KIT_LIMITS.headerText),
});

export const sectionBlock = (mrkdwn: string, blockId?: string): SectionBlock => ({
  type: 'section',
  ...(blockId === undefined ? {} : { block_id: blockId }),
  text: mrkdwnText(mrkdwn, BLOCK_KIT_LIMITS.sectionText),
});

export const fieldsBlock = (fields: readonly string[]): SectionBlock => ({
  type: 'section',
  fields: fields
    .slice(0, BLOCK_KIT_LIMITS.sectionFields)
    .map((field) => mrkdwnText(field, BLOCK_KIT_LIMITS.sectionField)),
});

export const contextBlock = (...lines: readonly string[]): ContextBlock => ({
  type: 'context',
  elements: lines
    .slice(0, BLOCK_KIT_LIMITS.contextElements)
    .map((line) => mrkdwnText(line, BLOCK_KIT_LIMITS.contextText)),
});

export const buttonElement = (opts: {
  text: string;
  actionId: string;
  value: string;
  style?: 'primary' | 'danger';
  confirm?: Button['confirm'];
}): Button => ({
  type: 'button',
  text: plainText(opts.text, BLOCK_KIT_LIMITS.buttonText),
  action_id: opts.actionId,
  value: opts.value,
  ...(opts.style === undefined ? {} : { style: opts.style }),
  ...(opts.confirm === undefined ? {} : { confirm: opts.confirm }),
});

export const actionsBlock = (elements: Button[]): ActionsBlock => ({ type: 'actions', elements });

/** Caps the fallback text and the block count; renderers plan for fewer blocks, this is the last guard. */
export const composeMessage = (text: string, blocks: KnownBlock[]): RenderedMessage => ({
  text: truncateMrkdwn(text, BLOCK_KIT_LIMITS.fallbackText),
  blocks: blocks.slice(0, BLOCK_KIT_LIMITS.messageBlocks),
});

export const composeModal = (opts: {
  callbackId?: string;
  title: string;
  close: string;
  submit?: string;
  blocks: KnownBlock[];
  /** Serialised as JSON; left out entirely if it would exceed Slack's limit, as a cut JSON could not be read back. */
  privateMetadata?: Readonly<Record<string, string>>;
}): ModalView => {
  const metadata = opts.privateMetadata === undefined ? undefined : JSON.stringify(opts.privateMetadata);
  const fitsMetadata = metadata !== undefined && metadata.length <= BLOCK_KIT_LIMITS.privateMetadata;
  return {
    type: 'modal',
    ...(opts.callbackId === undefined ? {} : { callback_id: opts.callbackId }),
    title: plainText(opts.title, BLOCK_KIT_LIMITS.modalTitle),
    close: plainText(opts.close, BLOCK_KIT_LIMITS.modalButton),
    ...(opts.submit === undefined ? {} : { submit: plainText(opts.submit, BLOCK_KIT_LIMITS.modalButton) }),
    blocks: opts.blocks.slice(0, BLOCK_KIT_LIMITS.modalBlocks),
    ...(fitsMetadata ? { private_metadata: metadata } : {}),
  };
};
