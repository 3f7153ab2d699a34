import { describe, expect, it } from 'vitest';
import * as render from '../../../src/keys/render/index.js';
import * as notices from '../../../src/platform/slack/render/notices.js';
import { renderDenyReasonModal } from '../../../src/approvals/render/denyReasonModal.js';
import { renderHelp } from '../../../src/commands/render/help.js';
import type { ThreadEvent } from '../../../src/keys/domain/threadEvents.js';
import { redactSecret } from '../../../src/platform/domain/redact.js';
import { ALL_STATES, NOW, SAMPLE_KEY, fullRequest } from './fixtures.js';

/** What provisioning stores beside a key: its redacted form, made from the real value. */
const REDACTED = redactSecret(SAMPLE_KEY);
/** a run of the key long enough that showing it would be a leak */
const KEY_CORE = SAMPLE_KEY.slice(11, 31);

const events: ThreadEvent[] = [
  { kind: 'approved', by: 'U0APPROVER' },
  { kind: 'denied', by: 'U0APPROVER', reason: 'no' },
  { kind: 'expired' },
  { kind: 'key_created', redactedKey: REDACTED, keyExpiresAt: NOW },
  { kind: 'delivered', to: 'U0REQUESTER' },
  { kind: 'revealed', by: 'U0REQUESTER' },
  { kind: 'reveal_expired' },
  { kind: 'revoked', by: 'U0ADMIN', reason: 'done' },
  { kind: 'failed', reason: 'boom', willRetry: false },
];

/** Every renderer except the reveal modal, fed requests whose every field is set. */
const everyOtherOutput = (): unknown[] => {
  const outputs: unknown[] = [];
  for (const state of ALL_STATES) {
    const req = fullRequest({ state, redactedKey: REDACTED });
    outputs.push(
      render.renderRequestMessage(req, { now: NOW }),
      render.renderRequestList([req], { now: NOW }),
      render.renderRevealRefusalModal('already_revealed', req),
      render.renderRevealRefusalModal('reveal_window_passed', req),
      render.renderRevealRefusalModal('not_yours', req),
      render.renderStateInWords(state),
      ...events.map((event) => render.renderRequesterDm(req, event)),
    );
  }
  outputs.push(
    ...events.map((event) => render.renderThreadNote(event)),
    render.renderRequestModal({
      activeProjects: 1,
      defaultDays: 30,
      maxDays: 90,
      channelId: 'C0ASKED',
      error: 'try again',
    }),
    renderDenyReasonModal(fullRequest().id),
    renderHelp([{ usage: '/openai-key request', example: '/openai-key request', summary: 'Ask for a key', who: 'Anyone.' }]),
    notices.renderNotice('done', { title: 'Saved' }),
    notices.renderErrorNotice({ what: 'wrong', hint: 'right' }),
  );
  return outputs;
};

describe('the key value is confined to renderRevealedKeyModal', () => {
  it('appears in no other renderer’s output, which shows only the redacted form made from it', () => {
    const outputs = everyOtherOutput();
    expect(outputs.length).toBeGreaterThan(100);
    // the redacted form does reach the output (so this is not vacuous) …
    expect(outputs.some((output) => JSON.stringify(output).includes(REDACTED.slice(-4)))).toBe(true);
    // … and no long run of the key itself does
    for (const output of outputs) expect(JSON.stringify(output)).not.toContain(KEY_CORE);
  });

  it('appears exactly once in the reveal modal, in its code block', () => {
    const view = render.renderRevealedKeyModal(fullRequest(), SAMPLE_KEY);
    const json = JSON.stringify(view);
    expect(json.split(SAMPLE_KEY)).toHaveLength(2);
    const carrying = view.blocks.filter((block) => JSON.stringify(block).includes(SAMPLE_KEY));
    expect(carrying).toHaveLength(1);
    expect(JSON.stringify(carrying[0])).toContain('```' + SAMPLE_KEY + '```');
  });
});
