/**
 * The sandbox page in headless Chromium, driven by clicks and typing only: the page sends what a Slack user does
 * to keywarden through the sandbox, and shows what keywarden answers. Chromium is required: without it these tests
 * fail, saying how to get it (./setup). The sandbox runs on a fixed clock (test/sandbox/now.ts), never today's date.
 * Screenshots go to test-results/screenshots/ (not committed); with KEYWARDEN_SCREENSHOTS=docs (`npm run
 * screenshots`) the curated ones are also written over docs/screenshots/ and docs/sandbox.png.
 */
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { DEMO_CHANNELS } from '../../src/sandbox/demoWorkspace.js';
import { sandboxTestClock, sandboxTestStart } from '../sandbox/now.js';

/** Where Chromium is looked for, in order: KEYWARDEN_CHROMIUM, Debian's, Ubuntu's, macOS's (./setup installs one). */
const CHROMIUM_CANDIDATES = [process.env.KEYWARDEN_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/Applications/Chromium.app/Contents/MacOS/Chromium'].filter(
  (path): path is string => Boolean(path),
);
const CHROMIUM = CHROMIUM_CANDIDATES.find((path) => existsSync(path));
const NO_CHROMIUM = `test/browser needs Chromium and found none (looked at ${CHROMIUM_CANDIDATES.join(', ')}). Run ./setup, or install it (Debian/Ubuntu: sudo apt-get install chromium; macOS: brew install --cask chromium), or set KEYWARDEN_CHROMIUM to a Chromium or Chrome executable.`;

const SCREENSHOTS = fileURLToPath(new URL('../../test-results/screenshots/', import.meta.url));
const DOCS = fileURLToPath(new URL('../../docs/', import.meta.url));
/** The screenshots the README links, by the name this test takes them under. */
const DOC_SHOTS: Readonly<Record<string, string>> = {
  '0-overview': 'sandbox.png',
  '1-request-sent': 'screenshots/request-sent.png',
  '2-approval-request': 'screenshots/approval-request.png',
  '4-approved-thread': 'screenshots/approval-thread.png',
  '5-revealed-key': 'screenshots/revealed-key.png',
  '11-limit-set': 'screenshots/limit-set.png',
  '12-soft-warning': 'screenshots/soft-warning.png',
  '13-time-panel': 'screenshots/time-panel.png',
  '14-hard-cap': 'screenshots/hard-cap.png',
  '15-higher-cap-form': 'screenshots/higher-cap-form.png',
};
const WRITE_DOCS = process.env.KEYWARDEN_SCREENSHOTS === 'docs';
const FLOW_TIMEOUT_MS = 60_000;
const VIEWPORT = { width: 1360, height: 820 };
/** keywarden paces its Slack posts at one per second per channel, so a flow's steps take a few seconds. */
const STEP_TIMEOUT_MS = 15_000;
const eventually = <T>(probe: () => Promise<T> | T) => expect.poll(probe, { timeout: STEP_TIMEOUT_MS, interval: 50 });

describe('Chromium for the browser tests', () => {
  it('is installed', () => {
    expect(CHROMIUM, NO_CHROMIUM).toBeDefined();
  });
});

describe('the sandbox page in Chromium', () => {
  let sandbox: RunningSandbox;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];
  const keywardenLog: string[] = [];

  beforeAll(async () => {
    if (!CHROMIUM) throw new Error(NO_CHROMIUM);
    rmSync(SCREENSHOTS, { recursive: true, force: true });
    mkdirSync(SCREENSHOTS, { recursive: true });
    sandbox = await startSandbox({
      port: 0,
      redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      namespace: `sbt${randomBytes(4).toString('hex')}`,
      now: sandboxTestClock(),
      logLevel: 'warn',
      logDestination: new Writable({
        write(chunk, _encoding, done) {
          keywardenLog.push(String(chunk));
          done();
        },
      }),
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      // Chromium on the real clock even under `npm run test:dates` (libfaketime stalls it): the dates that matter are
      // the sandbox's, on the server side.
      env: Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && e[0] !== 'LD_PRELOAD' && !e[0].startsWith('FAKETIME'))),
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: VIEWPORT });
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(error.message));
    await page.goto(sandbox.url.replace('localhost', '127.0.0.1'));
    await page.locator('#pane-title', { hasText: 'general' }).waitFor();
  }, FLOW_TIMEOUT_MS);

  afterAll(async () => {
    if (keywardenLog.length > 0) console.log(`keywarden logged:\n${keywardenLog.join('')}`);
    await browser?.close();
    await sandbox?.stop();
  });

  afterEach(async ({ task }) => {
    if (task.result?.state === 'fail') await page?.screenshot({ path: `${SCREENSHOTS}failed-${task.name.replace(/\W+/g, '-')}.png` }).catch(() => undefined);
  });

  /** A screenshot with the pointer parked on the top bar, so hover-only controls do not show. */
  const shot = async (name: string) => {
    await page.mouse.move(640, 20);
    await page.screenshot({ path: `${SCREENSHOTS}${name}.png` });
    const doc = DOC_SHOTS[name];
    if (WRITE_DOCS && doc) copyFileSync(`${SCREENSHOTS}${name}.png`, `${DOCS}${doc}`);
  };

  /** Opens or closes the time panel, whatever state an earlier step left it in. */
  async function timePanel(state: 'open' | 'close') {
    if ((await page.locator('#time-panel').isVisible()) !== (state === 'open')) await page.click('#time-toggle');
    await eventually(() => page.locator('#time-panel').isVisible()).toBe(state === 'open');
  }

  async function actAs(realName: string) {
    await page.click('#user-button');
    await page.locator('.user-menu-item', { hasText: realName }).click();
    await eventually(() => page.locator('#user-name').textContent()).toContain(realName);
  }

  async function openChannel(channelId: string) {
    await page.click(`.sidebar-item[data-channel-id="${channelId}"]`);
    await page.locator(`.sidebar-item--active[data-channel-id="${channelId}"]`).waitFor();
  }

  async function openDm() {
    await page.click('#app-list .sidebar-item');
    await page.locator('#app-list .sidebar-item--active').waitFor();
  }

  async function type(text: string) {
    await page.fill('#composer-input', text);
    await page.press('#composer-input', 'Enter');
  }

  /** The request message in #keywarden-approvals whose purpose is `purpose`. */
  const requestMessage = (purpose: string) => page.locator('#messages .msg', { hasText: purpose });

  it('takes a request by command, an approval in the channel, and reveals the key once in a modal', async () => {
    await openChannel(DEMO_CHANNELS.general.id);
    await type('/openai-key request Support Bot answer support tickets faster');
    const sent = page.locator('#messages .msg--ephemeral', { hasText: 'Request sent' });
    await sent.waitFor();
    await eventually(() => sent.textContent()).toContain('Only visible to you');
    await eventually(() => sent.locator('.bk-channel').textContent()).toBe('#keywarden-approvals');
    await shot('1-request-sent');

    await actAs('Avery Quinn');
    await page.locator(`.sidebar-item--unread[data-channel-id="${DEMO_CHANNELS.approvals.id}"]`).waitFor();
    await openChannel(DEMO_CHANNELS.approvals.id);
    const request = requestMessage('answer support tickets faster');
    await request.locator('.bk-header', { hasText: 'OpenAI key request' }).waitFor();
    await eventually(() => request.locator('.bk-mention').first().textContent()).toBe('@Riley Park');
    await shot('2-approval-request');

    await request.getByRole('button', { name: 'Approve' }).click();
    const confirm = page.locator('.modal--confirm');
    await confirm.getByText('Approve this key?').waitFor();
    await shot('3-approve-confirm');
    await confirm.getByRole('button', { name: 'Approve' }).click();
    await request.locator('.bk-section', { hasText: 'Approved by' }).waitFor();
    await eventually(() => request.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    await request.locator('.msg-edited').waitFor();

    // the thread tells the story: approved, key created, DM sent
    await request.locator('.msg-replies', { hasText: /3 replies/ }).click({ timeout: STEP_TIMEOUT_MS });
    const thread = page.locator('#thread-messages');
    await thread.getByText('Sent', { exact: false }).waitFor();
    await eventually(() => thread.textContent()).toMatch(/Approved by @Avery Quinn.*created.*Sent @Riley Park a DM/s);
    await shot('4-approved-thread');

    await actAs('Riley Park');
    await page.locator('#app-list .badge').waitFor();
    await openDm();
    const ready = page.locator('#messages .msg', { hasText: 'is ready' });
    await ready.getByRole('button', { name: 'Reveal key' }).click();
    const modal = page.locator('.modal[data-view-id]');
    await modal.getByRole('heading', { name: 'Your OpenAI key' }).waitFor();
    const key = await modal.locator('pre.bk-pre').first().textContent();
    expect(key).toMatch(/^sk-svcacct-[A-Za-z0-9_-]{20,}$/);
    await shot('5-revealed-key');
    await modal.getByRole('button', { name: 'Done' }).click();
    await eventually(() => page.locator('.modal[data-view-id]').count()).toBe(0);

    // the DM is updated in place once the key is revealed: no button to click again, and it says when
    const revealedDm = page.locator('#messages .msg', { hasText: 'you revealed it' });
    await revealedDm.waitFor();
    expect(await page.locator('#messages .msg').getByRole('button', { name: 'Reveal key' }).count()).toBe(0);
    expect(await revealedDm.textContent()).not.toContain(key!);
    await shot('6-dm-after-reveal');
  }, FLOW_TIMEOUT_MS);

  it('denies with a reason from the Deny button’s modal, and tells the requester', async () => {
    await openChannel(DEMO_CHANNELS.general.id);
    await type('/openai-key request Research Assistant load testing the staging chatbot');
    await page.locator('#messages .msg--ephemeral', { hasText: 'Research Assistant' }).waitFor();

    await actAs('Blake Ito');
    await openChannel(DEMO_CHANNELS.approvals.id);
    const request = requestMessage('load testing the staging chatbot');
    await request.getByRole('button', { name: 'Deny' }).click();
    const modal = page.locator('.modal[data-view-id]');
    await modal.getByRole('heading', { name: 'Deny request' }).waitFor();
    // an empty reason is refused in the page, as Slack's client does, before anything is sent
    await modal.getByRole('button', { name: 'Deny' }).click();
    await modal.getByText('Please complete this required field.').waitFor();
    await modal.getByRole('textbox').fill('use the shared staging key');
    await eventually(() => modal.locator('.bk-error').count()).toBe(0);
    await shot('7-deny-reason');
    await modal.getByRole('button', { name: 'Deny' }).click();
    await eventually(() => page.locator('.modal[data-view-id]').count()).toBe(0);
    await request.locator('.bk-section', { hasText: 'Denied by' }).waitFor();
    expect(await request.textContent()).toContain('use the shared staging key');
    expect(await request.getByRole('button').filter({ hasText: /Approve|Deny/ }).count()).toBe(0);
    await shot('8-denied');

    await actAs('Riley Park');
    await openDm();
    const told = page.locator('#messages .msg', { hasText: 'was denied by' });
    await told.waitFor();
    expect(await told.textContent()).toContain('use the shared staging key');
    expect(await told.locator('.bk-quote').textContent()).toBe('use the shared staging key');
  }, FLOW_TIMEOUT_MS);

  it('takes a request through the form and an approval typed as a thread reply', async () => {
    await openChannel(DEMO_CHANNELS.general.id);
    await type('/openai-key request');
    const form = page.locator('.modal[data-view-id]');
    await form.getByRole('heading', { name: 'Request an OpenAI key' }).waitFor();
    // the project field is Slack's type-ahead: what is typed goes to keywarden as a block_suggestion
    await form.getByRole('combobox').fill('pipel');
    await form.getByRole('option', { name: 'Data Pipeline' }).click();
    await form.locator('textarea.bk-textbox').fill('too short');
    await form.locator('input[type=number]').fill('400');
    await form.getByRole('button', { name: 'Request' }).click();
    // Slack's client refuses these before sending: too few characters, more days than allowed
    await form.getByText('Please enter at least 10 characters').waitFor();
    await form.getByText('Please enter a number no more than 90.').waitFor();
    await form.locator('textarea.bk-textbox').fill('nightly batch summaries of the data warehouse');
    await form.locator('input[type=number]').fill('14');
    await form.getByRole('button', { name: 'Request' }).click();
    await eventually(() => page.locator('.modal[data-view-id]').count()).toBe(0);

    await actAs('Avery Quinn');
    await openChannel(DEMO_CHANNELS.approvals.id);
    const request = requestMessage('nightly batch summaries of the data warehouse');
    await request.locator('.bk-field', { hasText: '14 days' }).waitFor();
    await request.hover();
    await request.getByRole('button', { name: 'Reply in thread' }).click();
    await page.fill('#thread-input', 'approve');
    await page.press('#thread-input', 'Enter');
    const thread = page.locator('#thread-messages');
    await thread.locator('.msg-body', { hasText: /^approve$/ }).waitFor();
    await thread.getByText('Approved by', { exact: false }).waitFor();
    await request.locator('.bk-section', { hasText: 'Approved by' }).waitFor();
    await page.click('#thread-close');
    await eventually(() => page.locator('#thread').isHidden()).toBe(true);
  }, FLOW_TIMEOUT_MS);

  it('shows the app’s Home tab, published when the user opens it', async () => {
    await actAs('Riley Park');
    await openDm();
    await page.getByRole('tab', { name: 'Home' }).click();
    const home = page.locator('#home');
    await home.locator('.bk-header', { hasText: 'Your OpenAI keys and requests' }).waitFor();
    expect(await home.textContent()).toContain('Data Pipeline');
    await shot('9-home-tab');
    await page.getByRole('tab', { name: 'Messages' }).click();
    await page.locator('#messages').waitFor();
  }, FLOW_TIMEOUT_MS);

  it('shows typed markup as text', async () => {
    await openChannel(DEMO_CHANNELS.general.id);
    const hostile = '<img src=x onerror="document.title=\'owned\'"> *bold* <script>alert(1)</script> @blake';
    await type(hostile);
    const message = page.locator('#messages .msg', { hasText: 'onerror' });
    await message.waitFor();
    expect(await message.locator('img, script').count()).toBe(0);
    expect(await message.locator('.msg-body').textContent()).toBe('<img src=x onerror="document.title=\'owned\'"> bold <script>alert(1)</script> @Blake Ito');
    expect(await message.locator('strong').textContent()).toBe('bold');
    expect(await page.title()).not.toBe('owned');
  }, FLOW_TIMEOUT_MS);

  it('tells the spend story: limits set, a soft-limit warning, the hard cap, and a higher cap asked for', async () => {
    const errorsBefore = consoleErrors.length;
    await actAs('Adrian Silva');
    await openChannel(DEMO_CHANNELS.general.id);

    // the time panel suggests limits just above this month's spend; the admin types them
    await timePanel('open');
    await page.selectOption('#spend-project', { label: 'Support Bot' });
    const suggestion = page.locator('#spend-try-command');
    await eventually(() => suggestion.textContent()).toMatch(/^\/openai-key limit "Support Bot" soft \d+ hard \d+$/);
    const command = (await suggestion.textContent())!;
    const hardUsd = Number(/hard (\d+)/.exec(command)![1]);
    await timePanel('close');
    await type(command);
    await page.locator('#messages .msg--ephemeral', { hasText: 'The spend limits of Support Bot' }).waitFor();
    // announced in the alert channel
    await page.locator(`.sidebar-item--unread[data-channel-id="${DEMO_CHANNELS.spend.id}"]`).waitFor();
    await openChannel(DEMO_CHANNELS.spend.id);
    const announcement = page.locator('#messages .msg:not(.msg--ephemeral)', { hasText: 'were changed by @Adrian Silva' });
    await announcement.waitFor();
    // amounts as keywarden prints them: thousands grouped ($1,000.00)
    expect(await announcement.textContent()).toMatch(new RegExp(`Hard limit: none → \\$${hardUsd.toLocaleString('en-US')}\\.00`));
    await shot('11-limit-set');

    // one burst and a poll: the soft limit is reached
    const log = page.locator('.time-log-entry');
    await timePanel('open');
    // the panel no longer suggests the limits just set: it names them and where the next alert is
    await eventually(() => page.locator('#spend-try-text').textContent()).toMatch(
      new RegExp(`^Limits are set: soft \\$[\\d,]+\\.00 \\(alerts at 50, 80, 100%\\), hard cap \\$${hardUsd.toLocaleString('en-US')}\\.00\\. The next alert comes at`),
    );
    expect(await page.locator('#spend-try-row').isHidden()).toBe(true);
    await page.click('#spend-burst');
    await log.filter({ hasText: new RegExp(`Added \\$250\\.00 of gpt-4o spend to Support Bot: \\$[\\d,.]+ this month of its \\$${hardUsd.toLocaleString('en-US')}\\.00 OpenAI budget`) }).waitFor();
    await page.click('#poll-now');
    await eventually(() => log.first().textContent()).toMatch(/keywarden polled spend for \d{4}-\d\d: \d+ projects? with spend, 1 with limits; (\d+ new alerts? claimed, on the way to #openai-spend|no new alerts)/);
    // every alert that holds has its reply (a clock tick may have claimed some before "run a poll now")
    const found = (await log.first().textContent())!;
    const replies = Number(/(\d+) new alerts? claimed/.exec(found)?.[1] ?? 0) + Number(/(\d+) told at earlier polls/.exec(found)?.[1] ?? 0);
    await timePanel('close');
    const status = page.locator('#messages .msg').filter({ has: page.locator('.msg-replies') }).filter({ hasText: 'OpenAI spend: Support Bot' });
    await status.waitFor();
    await eventually(() => status.textContent()).toMatch(/OpenAI spend: Support Bot.*Soft limit \$[\d,]+\.00\D+\d+%/s);
    await status.locator('.msg-replies').click();
    const thread = page.locator('#thread-messages');
    await thread.locator('.msg', { hasText: 'has reached 100% of its soft limit' }).waitFor();
    // one reply per poll that crossed thresholds, for the highest, naming the lower ones it passed
    const told = await thread.textContent();
    for (const threshold of [50, 80]) expect(told).toMatch(new RegExp(`has reached ${threshold}% of its soft limit|also passed [^.]*\\b${threshold}%`));
    const threadReplies = await thread.locator('.msg:not(.msg--parent)').count();
    expect(threadReplies).toBeGreaterThanOrEqual(1);
    expect(threadReplies).toBeLessThanOrEqual(Math.max(1, replies));
    await shot('12-soft-warning');

    // another burst and a poll: OpenAI refuses, and the notice is broadcast to the channel
    await timePanel('open');
    await page.click('#spend-burst');
    await log.filter({ hasText: 'OpenAI now refuses its requests' }).waitFor();
    await page.click('#poll-now');
    await eventually(() => log.first().textContent()).toMatch(/keywarden polled spend/);
    await shot('13-time-panel');
    await timePanel('close');
    const notice = page.locator('#messages .msg', { hasText: 'OpenAI is now refusing' });
    await notice.waitFor();
    expect(await notice.locator('.msg-broadcast').textContent()).toBe('replied to a thread');
    await thread.locator('.msg', { hasText: 'OpenAI is now refusing' }).waitFor();
    // the one status message lives on, updated in place
    await eventually(() => status.textContent()).toContain('OpenAI is refusing');
    expect(await status.count()).toBe(1);
    expect(await status.locator('.msg-edited').count()).toBe(1);
    await shot('14-hard-cap');
    // the overview for docs/sandbox.png: the alert channel and the status message's thread, on a taller window
    await page.setViewportSize({ width: 1440, height: 1100 });
    await shot('0-overview');
    await page.setViewportSize(VIEWPORT);

    await notice.getByRole('button', { name: 'Request a higher cap' }).click();
    const form = page.locator('.modal[data-view-id]');
    await form.getByRole('heading', { name: 'Change spend limits' }).waitFor();
    expect(await form.textContent()).toMatch(/filled in with a suggested \$[\d,.]+, up from \$[\d,]+\.00/);
    await shot('15-higher-cap-form');
    await form.getByRole('button', { name: 'Cancel' }).click();
    await eventually(() => page.locator('.modal[data-view-id]').count()).toBe(0);
    await page.click('#thread-close');
    expect(consoleErrors.slice(errorsBefore)).toEqual([]);
  }, 2 * FLOW_TIMEOUT_MS);

  it('refuses a burst under a cent in the panel, saying what to enter', async () => {
    await timePanel('open');
    await page.selectOption('#spend-project', { label: 'Marketing Copy' });
    const facts = page.locator('#spend-facts');
    await eventually(() => facts.textContent()).toMatch(/^This month \$[\d,]+\.\d\d · a typical day \$[\d,]+\.\d\d · OpenAI budget none$/);
    const before = await facts.textContent();
    // the panel tells the sandbox's time, not this machine's
    const start = new Date(sandboxTestStart());
    const dayMonthYear = `${start.getUTCDate()} ${start.toLocaleString('en-GB', { month: 'short', timeZone: 'UTC' })} ${start.getUTCFullYear()}`;
    expect(await page.locator('#sandbox-clock').textContent()).toContain(dayMonthYear);
    await page.fill('#burst-usd', '0.001');
    await page.click('#spend-burst');
    const refusal = page.locator('.time-log-entry--error').first();
    await eventually(() => refusal.textContent()).toMatch(/^\d\d:\d\d:\d\d UTC No spend added\. Enter at least \$0\.01: OpenAI counts spend in cents, so \$0\.001 would add nothing\.$/);
    expect(await page.locator('.time-log-entry', { hasText: 'Added $0.00' }).count()).toBe(0);
    expect(await facts.textContent()).toBe(before);
    await page.fill('#burst-usd', '250');
    await timePanel('close');
  }, FLOW_TIMEOUT_MS);

  it('puts the suggested limits in the admin’s composer in the alert channel with "Use"', async () => {
    await actAs('Riley Park');
    await openChannel(DEMO_CHANNELS.general.id);
    await timePanel('open');
    await page.selectOption('#spend-project', { label: 'Data Pipeline' });
    const suggestion = page.locator('#spend-try-command');
    await eventually(() => suggestion.textContent()).toMatch(/^\/openai-key limit "Data Pipeline" soft \d+ hard \d+$/);
    await page.click('#spend-try-use');
    await eventually(() => page.locator('#user-name').textContent()).toContain('Adrian Silva');
    await page.locator(`.sidebar-item--active[data-channel-id="${DEMO_CHANNELS.spend.id}"]`).waitFor();
    expect(await page.inputValue('#composer-input')).toBe(await suggestion.textContent());
    await page.fill('#composer-input', '');
    await timePanel('close');
  }, FLOW_TIMEOUT_MS);

  it('had no console errors on the page', () => {
    expect(consoleErrors).toEqual([]);
  });
});
