/** The sandbox page's Block Kit → HTML renderer, run in Node as the browser runs it. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REQUEST_STATES } from '../../src/keys/domain/keyRequest.js';
import { ACTION, INPUT, VIEW } from '../../src/platform/slack/ids.js';
import { renderRequestList, renderRequestMessage, renderRequestModal, renderRequestSent, renderRequesterDm, renderRevealedKeyModal, renderRevealRefusalModal, renderThreadNote } from '../../src/keys/render/index.js';
import { renderDenyReasonModal } from '../../src/approvals/render/denyReasonModal.js';
import { renderErrorNotice } from '../../src/platform/slack/render/notices.js';
import { HELP_ENTRIES } from '../../src/commands/domain/command.js';
import { renderHelp } from '../../src/commands/render/help.js';
import {
  decodeSlackEntities,
  emojiFor,
  escapeHtml,
  formatSlackDate,
  renderBlock,
  renderBlocks,
  renderElement,
  renderOptionList,
  renderMrkdwn,
  renderText,
  type BlockKitContext,
} from '../../src/sandbox/page/blockkit.js';
import { HOSTILE, NOW, SAMPLE_KEY, fullRequest, requestIn } from '../keys/render/fixtures.js';

const ctx: BlockKitContext = {
  users: { U0REQUESTER: 'Riley Park', U0APPROVER: 'Avery Quinn', U0ADMIN: 'Adrian Silva' },
  channels: { C0APPROVALS: 'keywarden-approvals' },
  usergroups: { S0KEYAPPROVERS: 'key-approvers' },
  me: 'U0APPROVER',
  timeZone: 'UTC',
  now: NOW,
};

const ALLOWED_TAGS = new Set([
  'a', 'blockquote', 'br', 'button', 'code', 'del', 'div', 'em', 'figure', 'hr', 'img', 'input', 'label', 'li', 'ol', 'optgroup',
  'option', 'pre', 'select', 'span', 'strong', 'textarea', 'time', 'ul',
]);
const ALLOWED_ATTRIBUTES = new Set([
  'alt', 'checked', 'class', 'datetime', 'disabled', 'href', 'label', 'loading', 'max', 'maxlength', 'min', 'name', 'placeholder', 'rel', 'role',
  'rows', 'selected', 'src', 'start', 'step', 'target', 'title', 'type', 'value',
  // the external select's type-ahead (a combobox and its listbox)
  'aria-autocomplete', 'aria-controls', 'aria-expanded', 'aria-selected', 'autocomplete', 'hidden', 'id',
]);

/**
 * Every tag in the HTML, checked against allowlists: no tag or attribute an attacker could add (script, on…=,
 * style) can appear, attribute values are quoted, and URLs are http(s), mailto or an inline image.
 */
function assertOnlySafeMarkup(html: string): void {
  const withoutTags = html.replace(/<\/?([a-z0-9]+)((?:\s+[a-z-]+(?:="[^"]*")?)*)\s*\/?>/g, (tag, name: string, attributes: string) => {
    expect(ALLOWED_TAGS, `tag <${name}> in ${tag}`).toContain(name);
    for (const [, attribute, value] of attributes.matchAll(/\s+([a-z-]+)(?:="([^"]*)")?/g)) {
      if (!attribute!.startsWith('data-')) expect(ALLOWED_ATTRIBUTES, `attribute ${attribute} in ${tag}`).toContain(attribute);
      if ((attribute === 'href' || attribute === 'src' || attribute === 'data-url') && value !== '') {
        expect(value, tag).toMatch(/^(https?:\/\/|mailto:|data:image\/)/i);
      }
    }
    return '';
  });
  // Whatever is left is text: a '<' or '>' there would be markup the scan above did not understand.
  expect(withoutTags).not.toMatch(/[<>]/);
}

describe('mrkdwn', () => {
  it('renders bold, italic, strike and inline code at word edges only', () => {
    expect(renderMrkdwn('*bold* _italic_ ~gone~ `code`')).toBe('<strong>bold</strong> <em>italic</em> <del>gone</del> <code class="bk-code">code</code>');
    expect(renderMrkdwn('snake_case_name and 2*3*4')).toBe('snake_case_name and 2*3*4');
    expect(renderMrkdwn('*Requested by*\nme')).toBe('<strong>Requested by</strong><br>me');
  });

  it('keeps code spans and blocks literal, undoing Slack escapes inside them', () => {
    expect(renderMrkdwn('`deny &lt;reason&gt;` and `*not bold*`')).toBe(
      '<code class="bk-code">deny &lt;reason&gt;</code> and <code class="bk-code">*not bold*</code>',
    );
    expect(renderMrkdwn('*Use it*\n```export A=1\ncurl "x"```\nafter')).toBe(
      '<strong>Use it</strong><pre class="bk-pre">export A=1\ncurl &quot;x&quot;</pre>after',
    );
  });

  it('renders links, mentions, broadcasts, user groups and channels', () => {
    expect(renderMrkdwn('<https://platform.openai.com/docs?a=1&amp;b=2|the docs>', ctx)).toBe(
      '<a class="bk-link" href="https://platform.openai.com/docs?a=1&amp;b=2" target="_blank" rel="noopener noreferrer">the docs</a>',
    );
    expect(renderMrkdwn('<mailto:ops@example.com>', ctx)).toContain('>ops@example.com</a>');
    expect(renderMrkdwn('<@U0REQUESTER> <@U0APPROVER>', ctx)).toBe(
      '<span class="bk-mention" data-user-id="U0REQUESTER">@Riley Park</span> <span class="bk-mention bk-mention--me" data-user-id="U0APPROVER">@Avery Quinn</span>',
    );
    expect(renderMrkdwn('<@U0STRANGER|sam>', ctx)).toContain('>@sam</span>');
    expect(renderMrkdwn('<#C0APPROVALS> <#C0OTHER|random>', ctx)).toBe(
      '<span class="bk-channel" data-channel-id="C0APPROVALS">#keywarden-approvals</span> <span class="bk-channel" data-channel-id="C0OTHER">#random</span>',
    );
    expect(renderMrkdwn('<!here> <!subteam^S0KEYAPPROVERS>', ctx)).toBe(
      '<span class="bk-mention bk-mention--broadcast">@here</span> <span class="bk-mention">@key-approvers</span>',
    );
  });

  it('formats <!date^…> tokens in the reader’s zone, with the fallback as the title', () => {
    const seconds = NOW / 1000; // 2025-11-22 10:00 UTC
    expect(renderMrkdwn(`<!date^${seconds}^{date_short_pretty} {time}|2025-11-22 10:00 UTC>`, ctx)).toBe(
      '<time class="bk-date" datetime="2025-11-22T10:00:00.000Z" title="2025-11-22 10:00 UTC">Today 10:00 AM</time>',
    );
    expect(formatSlackDate(seconds + 86_400, '{date_pretty}', ctx)).toBe('Tomorrow');
    expect(formatSlackDate(seconds - 86_400, '{date_short_pretty}', ctx)).toBe('Yesterday');
    expect(formatSlackDate(seconds + 3 * 86_400, '{date_long} at {time_secs}', ctx)).toBe('Tuesday, November 25th, 2025 at 10:00:00 AM');
    expect(formatSlackDate(seconds, '{date_num} {date_short} {date}', { ...ctx, timeZone: 'Asia/Tokyo' })).toBe('2025-11-22 Nov 22, 2025 November 22nd, 2025');
    expect(formatSlackDate(seconds - 7_200, '{ago}', ctx)).toBe('2 hours ago');
    expect(renderMrkdwn('<!date^not-a-number^{date}|sometime>', ctx)).toBe('sometime');
  });

  it('groups quotes and lists', () => {
    expect(renderMrkdwn('> first\n> second\nafter')).toBe('<blockquote class="bk-quote">first<br>second</blockquote>after');
    expect(renderMrkdwn('&gt; escaped quote')).toBe('<blockquote class="bk-quote">escaped quote</blockquote>');
    expect(renderMrkdwn('• one\n- *two*')).toBe('<ul class="bk-list"><li>one</li><li><strong>two</strong></li></ul>');
    expect(renderMrkdwn('3. three\n4. four')).toBe('<ol class="bk-list" start="3"><li>three</li><li>four</li></ol>');
  });

  it('turns known emoji shortcodes into emoji and leaves unknown ones as typed', () => {
    for (const name of ['white_check_mark', 'no_entry', 'key', 'warning', 'hourglass', 'lock', 'unlock', 'envelope', 'gear', 'calendar', 'x', 'raised_hand']) {
      expect(emojiFor(name), name).toBeTruthy();
    }
    expect(renderMrkdwn(':key: :not_an_emoji: 12:30:45')).toBe('<span class="bk-emoji" title=":key:">🔑</span> :not_an_emoji: 12:30:45');
  });

  it('links bare URLs only when the text is not verbatim', () => {
    expect(renderMrkdwn('see https://example.com/a.', { verbatim: false })).toBe(
      'see <a class="bk-link" href="https://example.com/a" target="_blank" rel="noopener noreferrer">https://example.com/a</a>.',
    );
    expect(renderText({ type: 'mrkdwn', text: 'see https://example.com/a', verbatim: true })).toBe('see https://example.com/a');
  });

  it('shows hostile text as text: no markup, no script URL, Slack escapes undone once', () => {
    const hostile = '<img src=x onerror=alert(1)> <javascript:alert(1)|click> <script>alert(1)</script> &amp;lt;b&amp;gt; " \' \uE0000\uE001';
    const html = renderMrkdwn(hostile, ctx);
    assertOnlySafeMarkup(html);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('&lt;javascript:alert(1)|click&gt;');
    expect(html).toContain('&amp;lt;b&amp;gt;');
    expect(html).not.toContain('\uE000');
    assertOnlySafeMarkup(renderMrkdwn(HOSTILE, ctx));
  });

  it('escapes and decodes exactly', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
    expect(decodeSlackEntities('&amp;lt; &lt; &gt; &quot;')).toBe('&lt; < > &quot;');
  });

  it('never lets arbitrary text become markup', () => {
    const pieces = fc.constantFrom('<', '>', '&', '"', "'", '*', '_', '~', '`', '```', '\n', '> ', '• ', ':key:', '<@U1>', '<#C1|x>', '<!date^1^{date}|f>', '<http://a|b>', 'javascript:', 'on', '=', ' ', 'a', '\uE000', '\uE001', '1');
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 40 }), (parts) => {
        const text = parts.join('');
        assertOnlySafeMarkup(renderMrkdwn(text, ctx));
        assertOnlySafeMarkup(renderText({ type: 'plain_text', text, emoji: true }));
        assertOnlySafeMarkup(
          renderBlocks(
            [
              { type: 'header', text: { type: 'plain_text', text } },
              { type: 'section', block_id: text, fields: [{ type: 'mrkdwn', text }], accessory: { type: 'button', text: { type: 'plain_text', text }, action_id: text, value: text, url: text } },
              { type: text },
              { type: 'actions', elements: [{ type: 'static_select', action_id: text, options: [{ text: { type: 'plain_text', text }, value: text }] }] },
              { type: 'input', block_id: text, label: { type: 'plain_text', text }, element: { type: 'plain_text_input', action_id: text, initial_value: text, placeholder: { type: 'plain_text', text } } },
              { type: 'image', image_url: text, alt_text: text },
              { type: 'rich_text', elements: [{ type: 'rich_text_section', elements: [{ type: 'text', text }, { type: 'link', url: text, text }] }] },
            ],
            { ...ctx, errors: { [text]: text } },
          ),
        );
      }),
      { numRuns: 300 },
    );
  });
});

describe('text objects', () => {
  it('renders plain_text escaped, with emoji unless turned off', () => {
    expect(renderText({ type: 'plain_text', text: '*not bold* :key: <b>', emoji: true })).toBe('*not bold* <span class="bk-emoji" title=":key:">🔑</span> &lt;b&gt;');
    expect(renderText({ type: 'plain_text', text: ':key:', emoji: false })).toBe(':key:');
    expect(renderText({ type: 'mrkdwn', text: '*bold*' })).toBe('<strong>bold</strong>');
    expect(renderText(undefined)).toBe('');
  });
});

describe('blocks', () => {
  it('renders a header', () => {
    expect(renderBlock({ type: 'header', block_id: 'h', text: { type: 'plain_text', text: 'OpenAI key request' } })).toBe(
      '<div class="bk-block bk-header" data-block-id="h">OpenAI key request</div>',
    );
  });

  it('renders a section with text, fields and a button accessory', () => {
    const html = renderBlock(
      {
        type: 'section',
        block_id: 's1',
        text: { type: 'mrkdwn', text: '*Purpose*' },
        fields: [
          { type: 'mrkdwn', text: '*Project*\nSupport' },
          { type: 'plain_text', text: 'Lifetime 30 days' },
        ],
        accessory: { type: 'button', action_id: 'more', text: { type: 'plain_text', text: 'More' }, value: 'v' },
      },
      ctx,
    );
    expect(html).toContain('<div class="bk-section-text"><strong>Purpose</strong></div>');
    expect(html).toContain('<div class="bk-fields"><div class="bk-field"><strong>Project</strong><br>Support</div><div class="bk-field">Lifetime 30 days</div></div>');
    expect(html).toContain('<div class="bk-accessory"><button type="button" class="bk-button" data-kw-click data-block-id="s1" data-action-id="more" data-value="v">More</button></div>');
  });

  it('renders a section with an image accessory', () => {
    const html = renderBlock({ type: 'section', text: { type: 'plain_text', text: 'chart' }, accessory: { type: 'image', image_url: 'https://example.com/c.png', alt_text: 'spend chart' } });
    expect(html).toContain('<img class="bk-image-element bk-image-element--accessory" src="https://example.com/c.png" alt="spend chart" loading="lazy">');
  });

  it('renders context with text and images', () => {
    const html = renderBlock({
      type: 'context',
      elements: [
        { type: 'mrkdwn', text: 'by <@U0REQUESTER>' },
        { type: 'image', image_url: 'https://example.com/i.png', alt_text: 'icon' },
        { type: 'plain_text', text: 'plain' },
      ],
    }, ctx);
    expect(html).toMatch(/^<div class="bk-block bk-context" data-block-id="">/);
    expect(html).toContain('<span class="bk-context-text">by <span class="bk-mention" data-user-id="U0REQUESTER">@Riley Park</span></span>');
    expect(html).toContain('bk-image-element--context');
    expect(html).toContain('<span class="bk-context-text">plain</span>');
  });

  it('renders a divider', () => {
    expect(renderBlock({ type: 'divider', block_id: 'd' })).toBe('<hr class="bk-block bk-divider" data-block-id="d">');
  });

  it('renders actions: primary and danger buttons, a confirm dialog as data, a URL button and a select', () => {
    const confirm = { title: { type: 'plain_text', text: 'Sure?' }, text: { type: 'plain_text', text: 'It "matters"' }, confirm: { type: 'plain_text', text: 'Yes' }, deny: { type: 'plain_text', text: 'No' } };
    const html = renderBlock({
      type: 'actions',
      block_id: 'a1',
      elements: [
        { type: 'button', action_id: 'ok', text: { type: 'plain_text', text: 'Approve' }, style: 'primary', value: 'req_1', confirm },
        { type: 'button', action_id: 'no', text: { type: 'plain_text', text: 'Deny' }, style: 'danger', value: 'req_1' },
        { type: 'button', action_id: 'docs', text: { type: 'plain_text', text: 'Docs' }, url: 'https://example.com/docs' },
        { type: 'button', action_id: 'evil', text: { type: 'plain_text', text: 'Evil' }, url: 'javascript:alert(1)' },
        { type: 'static_select', action_id: 'pick', placeholder: { type: 'plain_text', text: 'Pick one' }, options: [{ text: { type: 'plain_text', text: 'A' }, value: 'a' }] },
      ],
    });
    expect(html).toContain('class="bk-button bk-button--primary" data-kw-click data-block-id="a1" data-action-id="ok" data-value="req_1"');
    expect(html).toContain(`data-confirm="${escapeHtml(JSON.stringify(confirm))}"`);
    expect(html).toContain('class="bk-button bk-button--danger"');
    expect(html).toContain('data-url="https://example.com/docs"');
    expect(html).not.toContain('javascript:');
    expect(html).toContain('<select class="bk-select" data-kw-input data-type="static_select" data-block-id="a1" data-action-id="pick" data-kw-dispatch><option value="" selected disabled>Pick one</option><option value="a">A</option></select>');
  });

  it('renders an image block with its title', () => {
    const html = renderBlock({ type: 'image', block_id: 'i', title: { type: 'plain_text', text: 'Spend this month' }, image_url: 'https://example.com/spend.png', alt_text: 'a rising line' });
    expect(html).toBe(
      '<figure class="bk-block bk-image" data-block-id="i"><div class="bk-image-title">Spend this month</div>' +
        '<img class="bk-image-element bk-image-element--block" src="https://example.com/spend.png" alt="a rising line" loading="lazy"></figure>',
    );
    expect(renderBlock({ type: 'image', image_url: 'javascript:alert(1)', alt_text: 'x' })).toContain('src=""');
  });

  it('renders rich_text: styled sections, links, mentions, emoji, dates, lists, quotes and preformatted text', () => {
    const html = renderBlock(
      {
        type: 'rich_text',
        elements: [
          {
            type: 'rich_text_section',
            elements: [
              { type: 'text', text: 'Hi ', style: { bold: true } },
              { type: 'user', user_id: 'U0REQUESTER' },
              { type: 'text', text: ' see ' },
              { type: 'link', url: 'https://example.com', text: 'this', style: { italic: true } },
              { type: 'emoji', name: 'tada' },
              { type: 'emoji', name: 'custom_party', unicode: '1f973' },
              { type: 'emoji', name: 'unknown_custom' },
              { type: 'channel', channel_id: 'C0APPROVALS' },
              { type: 'broadcast', range: 'here' },
              { type: 'usergroup', usergroup_id: 'S0KEYAPPROVERS' },
              { type: 'date', timestamp: NOW / 1000, format: '{date_short}', fallback: 'Nov 22' },
              { type: 'text', text: 'x', style: { code: true, strike: true } },
            ],
          },
          { type: 'rich_text_list', style: 'ordered', indent: 1, elements: [{ type: 'rich_text_section', elements: [{ type: 'text', text: 'first' }] }] },
          { type: 'rich_text_list', style: 'bullet', elements: [{ type: 'rich_text_section', elements: [{ type: 'text', text: 'dot' }] }] },
          { type: 'rich_text_quote', elements: [{ type: 'text', text: 'quoted' }] },
          { type: 'rich_text_preformatted', elements: [{ type: 'text', text: 'a < b' }] },
        ],
      },
      ctx,
    );
    expect(html).toContain('<strong>Hi </strong><span class="bk-mention" data-user-id="U0REQUESTER">@Riley Park</span> see <em><a class="bk-link" href="https://example.com"');
    expect(html).toContain('title=":tada:">🎉</span>🥳:unknown_custom:');
    expect(html).toContain('#keywarden-approvals');
    expect(html).toContain('@here');
    expect(html).toContain('@key-approvers');
    expect(html).toContain('>Nov 22, 2025</time>');
    expect(html).toContain('<del><code class="bk-code">x</code></del>');
    expect(html).toContain('<ol class="bk-list bk-list--indent-1"><li>first</li></ol><ul class="bk-list"><li>dot</li></ul>');
    expect(html).toContain('<blockquote class="bk-quote">quoted</blockquote><pre class="bk-pre">a &lt; b</pre>');
    assertOnlySafeMarkup(html);
  });

  it('renders input blocks with their label, hint, optional mark and the error Slack shows', () => {
    const html = renderBlocks(
      [
        { type: 'input', block_id: 'p', label: { type: 'plain_text', text: 'Purpose' }, hint: { type: 'plain_text', text: 'Why' }, element: { type: 'plain_text_input', action_id: 'pa', multiline: true, min_length: 10, max_length: 500, focus_on_load: true } },
        { type: 'input', block_id: 'n', optional: true, label: { type: 'plain_text', text: 'Note' }, element: { type: 'plain_text_input', action_id: 'na', initial_value: 'hi "there"' } },
      ],
      { ...ctx, surface: 'modal', errors: { p: 'Purpose must be at least 10 characters' } },
    );
    expect(html).toContain('<div class="bk-block bk-input" data-block-id="p" data-required data-has-error><label class="bk-label">Purpose</label>');
    expect(html).toContain('<textarea class="bk-textbox" data-kw-input data-type="plain_text_input" data-block-id="p" data-action-id="pa" data-min-length="10" maxlength="500" data-focus rows="4"></textarea>');
    expect(html).toContain('<div class="bk-hint">Why</div><div class="bk-error" role="alert">Purpose must be at least 10 characters</div>');
    expect(html).toContain('<label class="bk-label">Note <span class="bk-optional">(optional)</span></label>');
    expect(html).toContain('value="hi &quot;there&quot;"');
  });

  it('renders a placeholder for a block type it does not know, never dropping it', () => {
    expect(renderBlocks([{ type: 'video', title: { type: 'plain_text', text: 'x' } }, { type: 'divider' }])).toBe(
      '<div class="bk-unsupported" role="note">unsupported block: video</div><hr class="bk-block bk-divider" data-block-id="">',
    );
    expect(renderBlock({ type: '<b>x</b>' })).toBe('<div class="bk-unsupported" role="note">unsupported block: &lt;b&gt;x&lt;/b&gt;</div>');
    expect(renderBlock(null)).toContain('unsupported block: object');
    expect(renderBlocks('not a list')).toBe('');
  });
});

describe('elements', () => {
  it('renders a static select with option groups and the initial option chosen', () => {
    const html = renderElement(
      {
        type: 'static_select',
        action_id: 'proj',
        initial_option: { text: { type: 'plain_text', text: 'B' }, value: 'b' },
        option_groups: [{ label: { type: 'plain_text', text: 'Group' }, options: [{ text: { type: 'plain_text', text: 'A' }, value: 'a' }, { text: { type: 'plain_text', text: 'B' }, value: 'b' }] }],
      },
      { ...ctx, surface: 'modal', inInput: true } as BlockKitContext,
      'blk',
    );
    expect(html).toBe(
      '<select class="bk-select" data-kw-input data-type="static_select" data-block-id="blk" data-action-id="proj"><option value="" disabled>Select an item</option>' +
        '<optgroup label="Group"><option value="a">A</option><option value="b" selected>B</option></optgroup></select>',
    );
  });

  it('renders a number input with its bounds and step', () => {
    expect(renderElement({ type: 'number_input', action_id: 'days', is_decimal_allowed: false, min_value: '1', max_value: '90', initial_value: '30' }, ctx, 'life')).toBe(
      '<input type="number" class="bk-textbox bk-textbox--number" data-kw-input data-type="number_input" data-block-id="life" data-action-id="days" step="1" data-decimal="false" min="1" max="90" value="30">',
    );
    expect(renderElement({ type: 'number_input', action_id: 'usd', is_decimal_allowed: true }, ctx, 'b')).toContain('step="any" data-decimal="true"');
  });

  it('renders a single-line plain text input', () => {
    expect(renderElement({ type: 'plain_text_input', action_id: 't', placeholder: { type: 'plain_text', text: 'e.g. <x>' } }, ctx, 'b')).toBe(
      '<input type="text" class="bk-textbox" data-kw-input data-type="plain_text_input" data-block-id="b" data-action-id="t" placeholder="e.g. &lt;x&gt;" value="">',
    );
  });

  it('renders checkboxes and radio buttons with initial choices', () => {
    const options = [
      { text: { type: 'plain_text', text: '50%' }, value: '50' },
      { text: { type: 'mrkdwn', text: '*80%*' }, value: '80', description: { type: 'plain_text', text: 'late' } },
    ];
    const boxes = renderElement({ type: 'checkboxes', action_id: 'at', options, initial_options: [options[1]] }, ctx, 'thr');
    expect(boxes).toContain('data-type="checkboxes"');
    expect(boxes).toContain('<input type="checkbox" name="thr::at" value="80" data-label="*80%*" checked><span><strong>80%</strong><span class="bk-choice-description">late</span></span>');
    const radios = renderElement({ type: 'radio_buttons', action_id: 'r', options, initial_option: options[0] }, ctx, 'thr');
    expect(radios).toContain('<input type="radio" name="thr::r" value="50" data-label="50%" checked>');
  });

  it('renders a placeholder for an element type it does not know', () => {
    expect(renderElement({ type: 'datetimepicker', action_id: 'x' })).toBe('<div class="bk-unsupported" role="note">unsupported element: datetimepicker</div>');
  });
});

describe('what keywarden renders', () => {
  const surfaces = (): [string, unknown[]][] => {
    const full = fullRequest();
    const list: [string, unknown[]][] = [
      ...REQUEST_STATES.map((state): [string, unknown[]] => [`request message (${state})`, renderRequestMessage(requestIn(state), { now: NOW }).blocks]),
      ['request message with hostile purpose', renderRequestMessage(requestIn('pending', { purpose: HOSTILE, projectName: HOSTILE }), { now: NOW }).blocks],
      ['request modal', renderRequestModal({ activeProjects: 1, defaultDays: 30, maxDays: 90 }).blocks],
      ['deny modal', renderDenyReasonModal('req_1').blocks],
      ['revealed key modal', renderRevealedKeyModal(full, SAMPLE_KEY).blocks],
      ['already revealed modal', renderRevealRefusalModal('already_revealed', full).blocks],
      ['help', renderHelp(HELP_ENTRIES).blocks],
      ['request list', renderRequestList([full, requestIn('pending')], { now: NOW }).blocks],
      ['request sent', renderRequestSent(full, 'C0APPROVALS').blocks],
      ['error notice', renderErrorNotice({ what: HOSTILE, hint: HOSTILE }).blocks],
      ['thread note', renderThreadNote({ kind: 'denied', by: 'U0APPROVER', reason: HOSTILE }).blocks],
    ];
    const dm = renderRequesterDm(full, { kind: 'key_created', redactedKey: 'sk-svca…AbCd' });
    if (dm) list.push(['key ready DM', dm.blocks]);
    return list;
  };

  it('is all supported by the page, escaped and safe', () => {
    for (const [name, blocks] of surfaces()) {
      const html = renderBlocks(blocks, { ...ctx, surface: 'modal' });
      expect(html, name).not.toContain('bk-unsupported');
      assertOnlySafeMarkup(html);
    }
  });

  it('puts the request buttons’ ids, values and confirm dialog on the page', () => {
    const html = renderBlocks(renderRequestMessage(requestIn('pending'), { now: NOW }).blocks, ctx);
    expect(html).toContain(`data-action-id="${ACTION.approveRequest}" data-value="req_01JD0000000000000000000001" data-confirm=`);
    expect(html).toContain(`data-action-id="${ACTION.denyRequest}"`);
    expect(html).toContain('Approve this key?');
  });

  it('shows the revealed key whole, in a code block', () => {
    const html = renderBlocks(renderRevealedKeyModal(fullRequest(), SAMPLE_KEY).blocks, { ...ctx, surface: 'modal' });
    expect(html).toContain(`<pre class="bk-pre">${SAMPLE_KEY}</pre>`);
  });

  it('renders the request form’s project field as a type-ahead asking from the first keystroke', () => {
    const html = renderBlocks(renderRequestModal({ activeProjects: 2000, defaultDays: 30, maxDays: 90 }).blocks, { ...ctx, surface: 'modal' });
    expect(html).toContain('<div class="bk-typeahead" data-min-query="0">');
    expect(html).toContain(`<input type="hidden" data-kw-input data-type="external_select" data-block-id="${INPUT.project.block}" data-action-id="${INPUT.project.action}" value=""`);
    expect(html).toContain('role="combobox"');
    expect(html).toContain('placeholder="Search projects"');
    assertOnlySafeMarkup(html);
  });

  it('lists the options keywarden answers, escaped, or says why there are none', () => {
    const html = renderOptionList({ options: [{ text: HOSTILE, value: 'proj_"x' }, { text: 'Support Bot', value: 'proj_1' }] });
    expect(html).toContain('data-value="proj_1" data-label="Support Bot">Support Bot</li>');
    expect(html).toContain('data-value="proj_&quot;x"');
    assertOnlySafeMarkup(html);
    expect(renderOptionList({ options: [] })).toContain('No results');
    expect(renderOptionList({ loading: true })).toContain('Loading…');
    expect(renderOptionList({ error: '<b>no</b>' })).toContain('&lt;b&gt;no&lt;/b&gt;');
    expect(renderElement({ type: 'external_select', action_id: 'e', placeholder: { type: 'plain_text', text: 'Pick' } }, ctx, 'b')).toContain('data-min-query="3"');
  });

  it('renders the request form’s inputs for the fields keywarden reads back', () => {
    const view = renderRequestModal({ activeProjects: 1, defaultDays: 30, maxDays: 90 });
    expect(view.callback_id).toBe(VIEW.requestKey);
    const html = renderBlocks(view.blocks, { ...ctx, surface: 'modal' });
    expect(html).toContain(`data-block-id="${INPUT.project.block}" data-action-id="${INPUT.project.action}"`);
    expect(html).toContain(`data-block-id="${INPUT.purpose.block}" data-action-id="${INPUT.purpose.action}"`);
    expect(html).toContain(`data-type="number_input" data-block-id="${INPUT.lifetime.block}" data-action-id="${INPUT.lifetime.action}" step="1" data-decimal="false" min="1" max="90" value="30"`);
  });
});
