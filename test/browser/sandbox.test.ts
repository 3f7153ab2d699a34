/**
 * The sandbox page in headless Chromium, driven by clicks and typing only: the page sends what a Slack user does
 * to keywarden through the sandbox, and shows what keywarden answers. Skipped when /usr/bin/chromium is absent.
 */
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { DEMO_CHANNELS } from '../../src/sandbox/demoWorkspace.js';

const CHROMIUM = '/usr/bin/chromium';
const HAS_CHROMIUM = existsSync(CHROMIUM);
if (!HAS_CHROMIUM) console.warn(`test/browser: skipped, ${CHROMIUM} is absent (install Debian's chromium package to run these tests)`);

const SCREENSHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));
const OVERVIEW = fileURLToPath(new URL('../../docs/sandbox.png', import.meta.url));
const FLOW_TIMEOUT_MS = 60_000;
/** keywarden paces its Slack posts at one per second per channel, so a flow's steps take a few seconds. */
const STEP_TIMEOUT_MS = 15_000;
const eventually = <T>(probe: () => Promise<T> | T) => expect.poll(probe, { timeout: STEP_TIMEOUT_MS, interval: 50 });

describe.skipIf(!HAS_CHROMIUM)('the sandbox page in Chromium', () => {
  let sandbox: RunningSandbox;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];
  const keywardenLog: string[] = [];

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    sandbox = await startSandbox({
      port: 0,
      redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      namespace: `sbt${randomBytes(4).toString('hex')}`,
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
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1360, height: 820 } });
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

  /** A screenshot with the pointer parked on the top bar, so hover-only controls do not show. */
  const shot = async (name: string) => {
    await page.mouse.move(640, 20);
    await page.screenshot({ path: `${SCREENSHOTS}${name}.png` });
  };

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
    copyFileSync(`${SCREENSHOTS}4-approved-thread.png`, OVERVIEW);

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

    await ready.getByRole('button', { name: 'Reveal key' }).click();
    const refusal = page.locator('.modal[data-view-id]');
    await refusal.getByRole('heading', { name: 'Key already revealed' }).waitFor();
    expect(await refusal.textContent()).toMatch(/already revealed/);
    expect(await refusal.textContent()).not.toContain(key!);
    await shot('6-already-revealed');
    await page.keyboard.press('Escape');
    await eventually(() => page.locator('.modal[data-view-id]').count()).toBe(0);
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
    await form.locator('select.bk-select').selectOption({ label: 'Data Pipeline' });
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
    await thread.locator('.msg', { hasText: 'Avery Quinn' }).filter({ hasText: 'approve' }).waitFor();
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

  it('adds spend and answers "run a poll now" from the time panel', async () => {
    await page.click('#time-toggle');
    await page.locator('#spend-facts', { hasText: 'This month' }).waitFor();
    await page.selectOption('#spend-project', { label: 'Support Bot' });
    const before = await page.locator('#spend-facts strong').first().textContent();
    await page.fill('#burst-usd', '300');
    await page.click('#spend-burst');
    await page.locator('.time-log-entry', { hasText: 'Added $300.00 of gpt-4o spend to Support Bot' }).waitFor();
    await eventually(() => page.locator('#spend-facts strong').first().textContent()).not.toBe(before);
    await page.click('#poll-now');
    const pollAnswer = page.locator('.time-log-entry').first();
    await eventually(() => pollAnswer.textContent()).toMatch(sandbox.polling ? /polled spend/ : /isn’t available in this build/);
    await shot('10-time-panel');
    await page.click('#time-toggle');
  }, FLOW_TIMEOUT_MS);

  it('had no console errors on the page', () => {
    expect(consoleErrors).toEqual([]);
  });
});
