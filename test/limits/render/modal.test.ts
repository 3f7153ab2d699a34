import type { InputBlock, ModalView, PlainTextInput } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { parseThresholds } from '../../../src/limits/domain/limits.js';
import { cents, parseAmount } from '../../../src/platform/domain/money.js';
import { INPUT, VIEW } from '../../../src/platform/slack/ids.js';
import { LIMIT_REASON_MAX_LENGTH, renderLimitChangeModal } from '../../../src/limits/render/index.js';
import { liveMarkup, modalViolations, mrkdwnStrings } from '../../platform/slack/render/blockKitLimits.js';
import { HOSTILE, limits } from './fixtures.js';

const inputs = (view: ModalView): InputBlock[] => view.blocks.filter((b): b is InputBlock => b.type === 'input');
const inputFor = (view: ModalView, block: string): InputBlock | undefined => inputs(view).find((b) => b.block_id === block);
const elementFor = (view: ModalView, block: string): PlainTextInput | undefined =>
  inputFor(view, block)?.element as PlainTextInput | undefined;

describe('renderLimitChangeModal', () => {
  const view = renderLimitChangeModal({
    projectId: 'proj_abc123',
    projectName: 'Support Bot',
    current: limits(),
    prefillHardCents: cents(120_000),
  });

  it('has the callback id, the four inputs and the project id (and that it raises the cap) in private metadata', () => {
    expect(view.callback_id).toBe(VIEW.limitChange);
    expect(inputs(view).map((b) => [b.block_id, (b.element as PlainTextInput).action_id])).toEqual([
      [INPUT.limitSoft.block, INPUT.limitSoft.action],
      [INPUT.limitHard.block, INPUT.limitHard.action],
      [INPUT.limitThresholds.block, INPUT.limitThresholds.action],
      [INPUT.limitReason.block, INPUT.limitReason.action],
    ]);
    expect(JSON.parse(view.private_metadata ?? '{}')).toEqual({ projectId: 'proj_abc123', higherCap: '1' });
    expect(modalViolations(view)).toEqual([]);
    expect(liveMarkup(mrkdwnStrings(view))).toEqual([]);
  });

  it('prefills the suggested higher cap, and values the domain parsers read back', () => {
    expect(elementFor(view, INPUT.limitHard.block)?.initial_value).toBe('$1,200.00');
    expect(elementFor(view, INPUT.limitSoft.block)?.initial_value).toBe('$500.00');
    const hard = parseAmount(elementFor(view, INPUT.limitHard.block)?.initial_value ?? '');
    expect(hard).toEqual({ ok: true, value: 120_000 });
    const thresholds = parseThresholds(elementFor(view, INPUT.limitThresholds.block)?.initial_value ?? '');
    expect(thresholds).toEqual({ ok: true, value: [50, 80, 100] });
    const text = mrkdwnStrings(view).join('\n');
    expect(text).toContain('suggested $1,200.00, up from $800.00');
    expect(text).toContain('Now: soft $500.00 · hard $800.00 · alerts at 50%, 80%, 100% in <#C0ALERTS>');
  });

  it('requires a reason from non-admins and makes it optional for admins', () => {
    expect(inputFor(view, INPUT.limitReason.block)?.optional).toBe(false);
    expect(elementFor(view, INPUT.limitReason.block)?.min_length).toBe(1);
    expect(elementFor(view, INPUT.limitReason.block)?.max_length).toBe(LIMIT_REASON_MAX_LENGTH);
    expect(view.submit?.text).toBe('Request');
    const admin = renderLimitChangeModal({ projectId: 'proj_abc123', projectName: 'Support Bot', current: limits(), asAdmin: true });
    expect(inputFor(admin, INPUT.limitReason.block)?.optional).toBe(true);
    expect(elementFor(admin, INPUT.limitReason.block)?.min_length).toBeUndefined();
    expect(admin.submit?.text).toBe('Apply');
    expect(modalViolations(admin)).toEqual([]);
  });

  it('starts from the defaults when no limits are set, with empty amounts', () => {
    const fresh = renderLimitChangeModal({ projectId: 'proj_abc123', projectName: 'Support Bot', current: null });
    expect(elementFor(fresh, INPUT.limitSoft.block)?.initial_value).toBeUndefined();
    expect(elementFor(fresh, INPUT.limitHard.block)?.initial_value).toBeUndefined();
    expect(elementFor(fresh, INPUT.limitThresholds.block)?.initial_value).toBe('50%, 80%, 100%');
    expect(mrkdwnStrings(fresh).join('\n')).toContain('No limits are set yet.');
    expect(mrkdwnStrings(fresh).join('\n')).not.toContain('suggested');
  });

  it('shows an error above the form, escaped, and escapes a hostile project name', () => {
    const hostile = renderLimitChangeModal({
      projectId: 'proj_x',
      projectName: HOSTILE,
      current: limits({ projectId: 'proj_x' }),
      error: `Bad amount ${HOSTILE}`,
    });
    const text = mrkdwnStrings(hostile).join('\n');
    expect(text).toContain(':warning: Bad amount &lt;!channel&gt;');
    expect(text).not.toContain('<!channel>');
    expect(liveMarkup(mrkdwnStrings(hostile))).toEqual([]);
    expect(modalViolations(hostile)).toEqual([]);
  });

  it('keeps every text within limits for a huge name and error', () => {
    const huge = renderLimitChangeModal({
      projectId: 'proj_x',
      projectName: '&'.repeat(5000),
      current: null,
      error: '<'.repeat(5000),
      prefillHardCents: cents(100_000_000),
    });
    expect(modalViolations(huge)).toEqual([]);
    expect(huge.title.text.length).toBeLessThanOrEqual(24);
  });
});
