/** A DM that is one paragraph of keywarden's own words, e.g. why a request could not be shown to approvers. */
import type { SectionBlock } from '@slack/types';
import { BLOCK_KIT_LIMITS } from '../../platform/slack/render/blockKitLimits.js';
import { composeMessage, type RenderedMessage } from '../../platform/slack/render/blocks.js';
import { truncateMrkdwn } from '../../platform/slack/render/mrkdwn.js';

/**
 * `text` (already mrkdwn, e.g. `unpostableRequestText`) as the fallback text and one section. The section is not
 * `verbatim`, so Slack links what the words mention as it would in a typed message; both are cut to Slack's limits
 * (3,000 characters: https://docs.slack.dev/reference/block-kit/blocks/section-block).
 */
export const renderPlainDm = (text: string): RenderedMessage => {
  const section: SectionBlock = { type: 'section', text: { type: 'mrkdwn', text: truncateMrkdwn(text, BLOCK_KIT_LIMITS.sectionText) } };
  return composeMessage(text, [section]);
};
