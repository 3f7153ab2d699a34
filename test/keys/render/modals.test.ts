import type { ExternalSelect, InputBlock, NumberInput, PlainTextInput } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { renderProjectOptions, renderRequestModal, renderRevealRefusalModal, renderRevealedKeyModal } from '../../../src/keys/render/modals.js';
import { renderDenyReasonModal } from '../../../src/approvals/render/denyReasonModal.js';
import { INPUT, VIEW } from '../../../src/platform/slack/ids.js';
import { HOSTILE, SAMPLE_KEY, fullRequest, requestIn } from './fixtures.js';
import { liveMarkup, modalViolations, mrkdwnStrings } from '../../platform/slack/render/blockKitLimits.js';

const projects = (n: number, name = (i: number) => `Project ${i}`) =>
  Array.from({ length: n }, (_, i) => ({ id: `proj_${String(i).padStart(4, '0')}`, name: name(i) }));

const inputs = (blocks: { type: string }[]): InputBlock[] => blocks.filter((b): b is InputBlock => b.type === 'input');
const inputById = (blocks: { type: string }[], blockId: string): InputBlock | undefined =>
  inputs(blocks).find((b) => b.block_id === blockId);

describe('renderRequestModal', () => {
  const view = renderRequestModal({ activeProjects: 154, defaultDays: 30, maxDays: 90, channelId: 'C0ASKED' });

  it('has the ids, title, submit and channel in private_metadata', () => {
    expect(view.callback_id).toBe(VIEW.requestKey);
    expect(view.title.text).toBe('Request an OpenAI key');
    expect(view.submit?.text).toBe('Request');
    expect(JSON.parse(view.private_metadata ?? '')).toEqual({ channelId: 'C0ASKED' });
    expect(modalViolations(view)).toEqual([]);
  });

  it('asks for the project in an external select that searches from the first keystroke, with no list up front', () => {
    const block = inputById(view.blocks, INPUT.project.block);
    const select = block?.element as ExternalSelect;
    expect(select.type).toBe('external_select');
    expect(select.action_id).toBe(INPUT.project.action);
    expect(select.min_query_length).toBe(0);
    expect(select).not.toHaveProperty('options');
    expect(block?.hint?.text).toBe('Type part of the project’s name, or its id (proj_…), to search 154 active projects.');
  });

  it('before the project list is read: the same form, a hint without a count', () => {
    for (const activeProjects of [null, undefined]) {
      const unknown = renderRequestModal({ activeProjects, defaultDays: 30, maxDays: 90 });
      expect((inputById(unknown.blocks, INPUT.project.block)?.element as ExternalSelect).type).toBe('external_select');
      expect(inputById(unknown.blocks, INPUT.project.block)?.hint?.text).toBe('Type part of the project’s name, or its id (proj_…).');
      expect(modalViolations(unknown)).toEqual([]);
    }
  });

  it('asks for a multiline purpose of 10 to 500 characters', () => {
    const purpose = inputById(view.blocks, INPUT.purpose.block)?.element as PlainTextInput;
    expect(purpose).toMatchObject({
      type: 'plain_text_input',
      action_id: INPUT.purpose.action,
      multiline: true,
      min_length: 10,
      max_length: 500,
    });
  });

  it('asks for a whole number of days between 1 and the maximum', () => {
    const lifetime = inputById(view.blocks, INPUT.lifetime.block)?.element as NumberInput;
    expect(lifetime).toMatchObject({
      type: 'number_input',
      action_id: INPUT.lifetime.action,
      is_decimal_allowed: false,
      min_value: '1',
      max_value: '90',
      initial_value: '30',
    });
  });

  it('clamps a default outside the allowed range', () => {
    const high = renderRequestModal({ activeProjects: 1, defaultDays: 365, maxDays: 90 });
    expect((inputById(high.blocks, INPUT.lifetime.block)?.element as NumberInput).initial_value).toBe('90');
    const low = renderRequestModal({ activeProjects: 1, defaultDays: 0, maxDays: 90 });
    expect((inputById(low.blocks, INPUT.lifetime.block)?.element as NumberInput).initial_value).toBe('1');
    expect(modalViolations(high)).toEqual([]);
    expect(modalViolations(low)).toEqual([]);
  });

  it('without a channel, private_metadata is an empty object', () => {
    const noChannel = renderRequestModal({ activeProjects: 1, defaultDays: 7, maxDays: 90 });
    expect(JSON.parse(noChannel.private_metadata ?? '')).toEqual({});
  });

  it('with no active projects: says so, has no inputs and no submit', () => {
    const empty = renderRequestModal({ activeProjects: 0, defaultDays: 30, maxDays: 90 });
    expect(empty.submit).toBeUndefined();
    expect(inputs(empty.blocks)).toHaveLength(0);
    expect(mrkdwnStrings({ blocks: empty.blocks }).join('\n')).toContain('no active projects');
    expect(modalViolations(empty)).toEqual([]);
  });

  it('shows an error above the form, escaped', () => {
    const withError = renderRequestModal({ activeProjects: 1, defaultDays: 7, maxDays: 90, error: HOSTILE });
    const strings = mrkdwnStrings({ blocks: withError.blocks });
    expect(strings[0]).toContain(':warning: &lt;!channel&gt; ping &lt;@U1&gt; &amp;');
    expect(liveMarkup(strings)).toEqual([]);
  });
});

describe('renderProjectOptions', () => {
  it('offers each project by name with its id as the value, in the order given', () => {
    expect(renderProjectOptions(projects(3)).options.map((o) => [o.value, o.text.text, o.text.type])).toEqual([
      ['proj_0000', 'Project 0', 'plain_text'],
      ['proj_0001', 'Project 1', 'plain_text'],
      ['proj_0002', 'Project 2', 'plain_text'],
    ]);
  });

  it('with 2,000 projects and 10k-character names: at most 100 options, text within 75 characters', () => {
    const { options } = renderProjectOptions(projects(2000, (i) => `${HOSTILE} ${i} ${'n'.repeat(10_000)}`));
    expect(options).toHaveLength(100);
    for (const option of options) {
      expect(option.text.text.length).toBeLessThanOrEqual(75);
      expect(option.value?.length).toBeLessThanOrEqual(150);
    }
  });

  it('does not offer a project whose id would not fit an option value, and names a blank-named one by its id', () => {
    const { options } = renderProjectOptions([{ id: 'p'.repeat(76), name: 'Too long' }, { id: 'proj_ok', name: '  ' }]);
    expect(options.map((o) => [o.value, o.text.text])).toEqual([['proj_ok', 'proj_ok']]);
  });

  it('tells two projects with one name apart by id, shortening the name rather than the id', () => {
    const long = 'Shared '.repeat(20);
    const { options } = renderProjectOptions([
      { id: 'proj_aaaaaaaaaaaaaaaaaaaaaaaa', name: long },
      { id: 'proj_bbbbbbbbbbbbbbbbbbbbbbbb', name: ` ${long.toUpperCase()}` },
      { id: 'proj_c', name: 'Alone' },
    ]);
    expect(options[0]?.text.text).toMatch(/^Shared Shared .*… · proj_aaaaaaaaaaaaaaaaaaaaaaaa$/);
    expect(options[1]?.text.text).toMatch(/ · proj_bbbbbbbbbbbbbbbbbbbbbbbb$/);
    expect(options[2]?.text.text).toBe('Alone');
    for (const option of options) expect(option.text.text.length).toBeLessThanOrEqual(75);
  });

  it('answers an empty list with no options (Slack shows "No results")', () => {
    expect(renderProjectOptions([])).toEqual({ options: [] });
  });
});

describe('renderDenyReasonModal', () => {
  const view = renderDenyReasonModal('req_123');

  it('asks for a required reason of at most 500 characters and carries the request id', () => {
    expect(view.callback_id).toBe(VIEW.denyReason);
    expect(view.submit).toBeDefined();
    expect(JSON.parse(view.private_metadata ?? '')).toEqual({ requestId: 'req_123' });
    const reason = inputById(view.blocks, INPUT.reason.block);
    expect(reason?.optional).not.toBe(true);
    expect(reason?.element).toMatchObject({
      type: 'plain_text_input',
      action_id: INPUT.reason.action,
      multiline: true,
      max_length: 500,
    });
    expect(modalViolations(view)).toEqual([]);
  });

  it('leaves out private_metadata rather than exceed the limit', () => {
    const huge = renderDenyReasonModal('r'.repeat(5000));
    expect(huge.private_metadata).toBeUndefined();
    expect(modalViolations(huge)).toEqual([]);
  });
});

describe('renderRevealedKeyModal', () => {
  const req = fullRequest();
  const view = renderRevealedKeyModal(req, SAMPLE_KEY);
  const text = mrkdwnStrings({ blocks: view.blocks }).join('\n');

  it('shows the key in a code block, with no submit and a Done button', () => {
    expect(view.callback_id).toBe(VIEW.revealedKey);
    expect(view.submit).toBeUndefined();
    expect(view.close?.text).toBe('Done');
    expect(text).toContain('```' + SAMPLE_KEY + '```');
    expect(modalViolations(view)).toEqual([]);
  });

  it('warns that it is shown once and not stored, and says how to use it', () => {
    expect(text).toContain('only time it is shown');
    expect(text).toContain('keywarden does not store it');
    expect(text).toContain('export OPENAI_API_KEY=');
    expect(text).toContain('curl https://api.openai.com/v1/models');
    expect(text).toContain('Support summariser');
    expect(text).toContain(`<!date^${Math.floor(req.keyExpiresAt! / 1000)}^`);
  });

  it('keeps the key out of the title and private_metadata', () => {
    expect(view.title.text).not.toContain(SAMPLE_KEY);
    expect(view.private_metadata ?? '').not.toContain(SAMPLE_KEY);
  });

  it('escapes hostile project text', () => {
    const hostile = renderRevealedKeyModal(fullRequest({ projectName: HOSTILE.repeat(100) }), SAMPLE_KEY);
    expect(liveMarkup(mrkdwnStrings({ blocks: hostile.blocks }))).toEqual([]);
    expect(modalViolations(hostile)).toEqual([]);
  });
});

describe('reveal refusal modals', () => {
  it('already revealed: says how to get a new one', () => {
    const view = renderRevealRefusalModal('already_revealed', requestIn('active'));
    const text = mrkdwnStrings({ blocks: view.blocks }).join('\n');
    expect(text).toContain('already revealed');
    expect(text).toContain('`/openai-key request`');
    expect(view.submit).toBeUndefined();
    expect(modalViolations(view)).toEqual([]);
  });

  it('reveal window passed: names the deadline', () => {
    const req = requestIn('revoked');
    const view = renderRevealRefusalModal('reveal_window_passed', req);
    const text = mrkdwnStrings({ blocks: view.blocks }).join('\n');
    expect(text).toContain(`ended <!date^${Math.floor(req.revealBy! / 1000)}^`);
    expect(text).toContain('`/openai-key request`');
    expect(modalViolations(view)).toEqual([]);
  });

  it('not yours: reveals nothing about the request', () => {
    const req = requestIn('awaiting_reveal');
    const json = JSON.stringify(renderRevealRefusalModal('not_yours', req));
    expect(json).toContain('Only the person who requested this key can reveal it');
    expect(json).not.toContain(req.projectName);
    expect(json).not.toContain(req.requesterId);
  });

  it('escape hostile project names', () => {
    const req = requestIn('active', { projectName: HOSTILE });
    for (const view of [renderRevealRefusalModal('already_revealed', req), renderRevealRefusalModal('reveal_window_passed', req)]) {
      expect(liveMarkup(mrkdwnStrings({ blocks: view.blocks }))).toEqual([]);
    }
  });
});
