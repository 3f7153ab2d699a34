/** Words that are true about key requests: ids where people look, refusals with the real reason, no stale parts. */
import { describe, expect, it } from 'vitest';
import { HELP_ENTRIES, helpEntriesOf } from '../../../src/commands/domain/command.js';
import { renderKeyDmAfterReveal, renderRequesterDm } from '../../../src/keys/render/dm.js';
import { renderDuplicateRequestWarning, renderRequestList } from '../../../src/keys/render/ephemeral.js';
import { renderCommandError } from '../../../src/platform/slack/render/notices.js';
import { renderRevealedKeyModal, renderRevealRefusalModal } from '../../../src/keys/render/modals.js';
import { renderRequestMessage } from '../../../src/keys/render/requestMessage.js';
import { revealRefusalContent, revealRefusalFor } from '../../../src/keys/render/revealRefusal.js';
import { renderThreadNote } from '../../../src/keys/render/thread.js';
import { mentionUser } from '../../../src/platform/slack/render/mrkdwn.js';
import { ACTION } from '../../../src/platform/slack/ids.js';
import { NOW, SAMPLE_KEY, keyRefusalInWords as refusalInWords, requestIn } from './fixtures.js';
import { messageViolations, modalViolations, mrkdwnStrings } from '../../platform/slack/render/blockKitLimits.js';

const textOf = (blocks: unknown[]): string => mrkdwnStrings({ blocks } as never).join('\n');
const HOUR = 3_600_000;

describe('answers that fit the question', () => {
  it('a parse error shows only that command’s usage and one example, and points to the full help', () => {
    const answer = renderCommandError('rpm: It must be a positive whole number; "-5" is negative.', helpEntriesOf('ratelimit'));
    const text = textOf(answer.blocks);
    expect(text).toContain('"-5" is negative');
    expect(text).toContain('`/openai-key ratelimit &lt;project&gt;');
    expect(text).toContain('Example: `/openai-key ratelimit Billing gpt-4o-mini rpm 500 tpm 200k`');
    expect(text).toContain('`/openai-key help` lists everything');
    // not the whole list
    expect(text).not.toContain('/openai-key audit');
    expect(text).not.toContain('/openai-key request');
    expect(answer.blocks.length).toBeLessThanOrEqual(3);
    expect(messageViolations(answer)).toEqual([]);
  });

  it('lists cancel in the help', () => {
    expect(HELP_ENTRIES.some((entry) => entry.command === 'cancel')).toBe(true);
  });
});

describe('ids where people look', () => {
  it('the approval message shows the request id and, once it exists, the key id', () => {
    const pending = textOf(renderRequestMessage(requestIn('pending'), { now: NOW }).blocks);
    expect(pending).toContain(`*Request id*\n\`${requestIn('pending').id}\``);
    const active = textOf(renderRequestMessage(requestIn('active'), { now: NOW }).blocks);
    expect(active).toContain('*Key id*\n`key_abc`');
  });

  it('the reveal modal labels the masked value truthfully and shows the real key id and request id', () => {
    const req = requestIn('active');
    const modal = renderRevealedKeyModal(req, SAMPLE_KEY);
    const text = textOf(modal.blocks);
    expect(text).toContain('*Key (masked)*\n`sk-svca…AbCd`');
    expect(text).toContain('*Key id*\n`key_abc`');
    expect(text).toContain(`*Request id*\n\`${req.id}\``);
    expect(text).not.toMatch(/\*Key id\*\n`sk-/);
    expect(modalViolations(modal)).toEqual([]);
  });

  it('list shows request ids and key ids', () => {
    const req = requestIn('active');
    const text = textOf(renderRequestList([req], { now: NOW }).blocks);
    expect(text).toContain(`Request \`${req.id}\``);
    expect(text).toContain('id `key_abc`');
  });

  it('a duplicate warning names the waiting request and offers "Send another request"', () => {
    const waiting = requestIn('pending');
    const warning = renderDuplicateRequestWarning([waiting], 'draft_abc');
    expect(textOf(warning.blocks)).toContain(`\`${waiting.id}\``);
    expect(JSON.stringify(warning.blocks)).toContain(ACTION.sendAnotherRequest);
    expect(JSON.stringify(warning.blocks)).toContain('"value":"draft_abc"');
    expect(JSON.stringify(warning.blocks)).toContain('Send another request');
    expect(messageViolations(warning)).toEqual([]);
  });
});

describe('messages drop what is no longer true', () => {
  it('a decided request no longer shows "Decide by"; a revoked one no longer says when its key expires', () => {
    for (const state of ['approved', 'denied', 'active', 'revoked', 'cancelled'] as const) {
      expect(textOf(renderRequestMessage(requestIn(state), { now: NOW }).blocks)).not.toContain('*Decide by*');
    }
    expect(textOf(renderRequestMessage(requestIn('pending'), { now: NOW }).blocks)).toContain('*Decide by*');
    expect(textOf(renderRequestMessage(requestIn('revoked'), { now: NOW }).blocks)).not.toContain('Key expires');
  });

  it('a cancelled request says who cancelled it and has no buttons', () => {
    const message = renderRequestMessage(requestIn('cancelled'), { now: NOW });
    expect(textOf(message.blocks)).toContain('Cancelled by <@U0REQUESTER>');
    expect(message.blocks.some((b) => b.type === 'actions')).toBe(false);
  });

  it('the reveal DM loses its button once the key is revealed or revoked', () => {
    expect(renderKeyDmAfterReveal(requestIn('awaiting_reveal'))).toBeNull();
    for (const state of ['active', 'revoked', 'expired'] as const) {
      const dm = renderKeyDmAfterReveal(requestIn(state));
      expect(dm).not.toBeNull();
      expect(JSON.stringify(dm?.blocks)).not.toContain(ACTION.revealKey);
    }
    expect(textOf(renderKeyDmAfterReveal(requestIn('active'))!.blocks)).toContain('you revealed it');
    expect(textOf(renderKeyDmAfterReveal(requestIn('revoked'))!.blocks)).toContain('revoked by <@U0ADMIN>');
  });

  it('a key_created DM delivered after the key was revoked offers no button', () => {
    const dm = renderRequesterDm(requestIn('revoked'), { kind: 'key_created', redactedKey: 'sk-svca…AbCd' });
    expect(JSON.stringify(dm?.blocks)).not.toContain(ACTION.revealKey);
  });
});

describe('refusals with the real reason', () => {
  it('a key an admin revoked says revoked, by whom and when, not that the reveal time is over', () => {
    const req = requestIn('revoked', { revealedAt: undefined, revokedBy: 'U0ADMIN', revokedAt: NOW - HOUR, revealBy: NOW + 23 * HOUR });
    expect(revealRefusalFor(req)).toBe('revoked');
    const { title, body } = revealRefusalContent('revoked', req);
    expect(title).toBe('Key revoked');
    expect(body).toContain('revoked by <@U0ADMIN>');
    expect(body).toContain(`<!date^${Math.floor((NOW - HOUR) / 1000)}^`);
    expect(body).not.toMatch(/reveal.*over|ended/i);
  });

  it('a key revoked by its owner says "You revoked it"', () => {
    const req = requestIn('revoked', { revokedBy: 'U0REQUESTER' });
    expect(revealRefusalContent(revealRefusalFor(req), req).body).toContain('You revoked it');
  });

  it('tells each reason apart', () => {
    const notRevealed = requestIn('revoked', { revealedAt: undefined, revokedBy: 'keywarden', endedReason: 'not revealed in time', revealBy: NOW - HOUR });
    expect(revealRefusalFor(notRevealed)).toBe('reveal_window_passed');
    expect(revealRefusalFor(requestIn('active'))).toBe('already_revealed');
    expect(revealRefusalFor(requestIn('expired', { keyId: 'key_x', keyCreatedAt: NOW - HOUR, keyExpiresAt: NOW - 1 }))).toBe('expired');
    expect(revealRefusalFor(requestIn('cancelled'))).toBe('cancelled');
    expect(revealRefusalFor(requestIn('denied'))).toBe('denied');
    expect(revealRefusalContent('already_revealed', requestIn('active')).body).toContain('already revealed');
    expect(revealRefusalContent('cancelled', requestIn('cancelled')).body).toContain('cancelled by you');
    expect(revealRefusalContent('denied', requestIn('denied')).body).toContain('denied by <@U0APPROVER>');
    expect(modalViolations(renderRevealRefusalModal('revoked', requestIn('revoked')))).toEqual([]);
  });

  it('approving a cancelled request is refused in plain words', () => {
    expect(refusalInWords('U0APPROVER', { kind: 'cancelled', by: 'U0REQUESTER' })).toBe(
      '<@U0APPROVER>, this request was cancelled by <@U0REQUESTER> before anyone decided it, so it can no longer be approved or denied.',
    );
  });
});

describe('smaller words', () => {
  it('the owner who revoked their key is told "You revoked", without a doubled label', () => {
    const req = requestIn('revoked', { revokedBy: 'U0REQUESTER' });
    const dm = renderRequesterDm(req, { kind: 'revoked', by: 'U0REQUESTER' });
    expect(dm?.text).toContain('You revoked your key `sk-svca…AbCd` for *Support summariser* (`proj_abc123`).');
    expect(dm?.text).not.toContain('@U0REQUESTER');
    expect(dm?.text).not.toMatch(/\)\s*\(`sk-/);
  });

  it('someone else’s revoke names them, with one label', () => {
    const dm = renderRequesterDm(requestIn('revoked'), { kind: 'revoked', by: 'U0ADMIN' });
    expect(dm?.text).toContain('Your key `sk-svca…AbCd` for *Support summariser* (`proj_abc123`) was revoked by <@U0ADMIN>.');
  });

  it('names machine actors as a person reads them', () => {
    expect(mentionUser('openai')).toBe('OpenAI');
    expect(mentionUser('keywarden')).toBe('keywarden');
    expect(renderThreadNote({ kind: 'revoked', by: 'keywarden' }).text).toContain('Key revoked by keywarden.');
  });

  it('a cancel by an admin is told to the requester; the requester’s own cancel needs no DM', () => {
    const req = requestIn('cancelled', { cancelledBy: 'U0ADMIN' });
    expect(renderRequesterDm(req, { kind: 'cancelled', by: 'U0ADMIN' })?.text).toContain('was cancelled by <@U0ADMIN>');
    expect(renderRequesterDm(req, { kind: 'cancelled', by: req.requesterId })).toBeNull();
    expect(renderThreadNote({ kind: 'cancelled', by: 'U0ADMIN' }).text).toContain('Cancelled by <@U0ADMIN>');
  });
});
