/** The words a requester gets when their request cannot be shown to approvers. */
import { describe, expect, it } from 'vitest';
import { renderPlainDm } from '../../../src/approvals/render/plainDm.js';
import { unpostableRequestText } from '../../../src/approvals/render/unpostable.js';
import { liveMarkup, wellFormed } from '../../platform/slack/render/blockKitLimits.js';

describe('unpostableRequestText', () => {
  it('names the request, the channel and Slack’s refusal, and says what an admin must do', () => {
    const text = unpostableRequestText('req_01JD0000000000000000000000', 'C0APPROVALS', 'not_in_channel');
    expect(text).toBe(
      'keywarden could not post your request (req_01JD0000000000000000000000) in <#C0APPROVALS>, so no approver can see it: Slack refused: `not_in_channel`. ' +
        'An admin needs to invite keywarden to that channel (`/invite @keywarden`); then please ask again.',
    );
  });

  it('gives the invite advice only when keywarden is not in the channel, and says what Slack said otherwise', () => {
    expect(unpostableRequestText('req_1', 'C0APPROVALS', 'is_archived')).toContain('That channel is archived');
    expect(unpostableRequestText('req_1', 'C0APPROVALS', 'channel_not_found')).toContain('`KEYWARDEN_APPROVAL_CHANNEL`');
    for (const code of ['is_archived', 'channel_not_found', 'invalid_blocks', 'msg_too_long', 'missing_scope', 'invalid_auth']) {
      const text = unpostableRequestText('req_1', 'C0APPROVALS', code);
      expect(text, code).not.toContain('/invite');
      expect(text, code).toContain(`Slack refused: \`${code}\``);
    }
    expect(unpostableRequestText('req_1', 'C0APPROVALS', 'msg_too_long')).toContain('Please tell an admin');
  });

  it('does not turn a channel that is no channel id into a link', () => {
    const text = unpostableRequestText('req_1', '<!channel>', 'channel_not_found');
    expect(text).toContain('&lt;!channel&gt;');
    expect(liveMarkup([text])).toEqual([]);
  });

  it('makes a DM within Block Kit limits', () => {
    const dm = renderPlainDm(unpostableRequestText('req_1', 'C0APPROVALS', 'is_archived'));
    wellFormed(dm);
  });
});
