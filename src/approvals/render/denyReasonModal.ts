import type { ModalView } from '@slack/types';
import { INPUT, VIEW } from '../../platform/slack/ids.js';
import { composeModal, plainText, sectionBlock } from '../../platform/slack/render/blocks.js';
import { BLOCK_KIT_LIMITS } from '../../platform/slack/render/blockKitLimits.js';
import { DENY_REASON_MAX_LENGTH } from '../domain/decision.js';

/** Asks an approver why they deny; opened by the Deny button. */
export const renderDenyReasonModal = (requestId: string): ModalView =>
  composeModal({
    callbackId: VIEW.denyReason,
    title: 'Deny request',
    submit: 'Deny',
    close: 'Cancel',
    privateMetadata: { requestId },
    blocks: [
      sectionBlock('The requester sees this reason, in the thread and by DM.'),
      {
        type: 'input',
        block_id: INPUT.reason.block,
        optional: false,
        label: plainText('Reason', BLOCK_KIT_LIMITS.inputLabel),
        element: {
          type: 'plain_text_input',
          action_id: INPUT.reason.action,
          multiline: true,
          min_length: 1,
          max_length: DENY_REASON_MAX_LENGTH,
          focus_on_load: true,
        },
      },
    ],
  });
