import type { ModalView } from '@slack/types';
import { plainText, sectionBlock } from './blocks.js';
import { BLOCK_KIT_LIMITS } from './blockKitLimits.js';

/** A modal that only tells something (no submit): a refusal, or "loading" while a form is prepared. */
export const renderNoticeModal = (title: string, mrkdwn: string): ModalView => ({
  type: 'modal',
  // Slack refuses an empty title or section text (invalid_arguments): blank input gets a neutral word instead.
  title: plainText(title.trim() === '' ? 'keywarden' : title, BLOCK_KIT_LIMITS.modalTitle),
  close: plainText('Close', BLOCK_KIT_LIMITS.buttonText),
  blocks: [sectionBlock(mrkdwn.trim() === '' ? 'Nothing more to say here.' : mrkdwn)],
});
