/**
 * keywarden's Workflow Builder steps, run as Slack runs them: the emulator declares the steps from manifest.yml,
 * the driver sends `function_executed` (over signed HTTP and over Socket Mode) with an execution id and an execution
 * bot token, and keywarden completes each step once through functions.completeSuccess / functions.completeError.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { afterAll, beforeAll, expect } from 'vitest';
import { functionDefinitionsOf, type ManifestFunctions, type SlackFunctionExecution } from '../../src/emulators/slack/index.js';
import { startHarness, type Harness, type HarnessMode } from './harness.js';

const manifestPath = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../manifest.yml');
const declaredSteps = () => functionDefinitionsOf((parse(readFileSync(manifestPath, 'utf8')) as { functions: ManifestFunctions }).functions);

// 15 Nov 2026, 12:00 UTC: mid-month whatever day the tests run
const BASE = Date.UTC(2026, 10, 15, 12, 0, 0);
const started = Date.now();
const now = () => BASE + (Date.now() - started);

/**
 * keywarden on the emulated workspace, its clock in mid-November 2026, with the manifest's steps declared: started
 * before the enclosing suite's tests (handed to `use`) and stopped after them.
 */
export function withStepsHarness(mode: HarnessMode, use: (h: Harness) => void, env: Record<string, string> = {}): void {
  let started: Harness | undefined;
  beforeAll(async () => {
    started = await startHarness({ mode, now, env });
    started.slack.functions.define(declaredSteps());
    use(started);
  }, 30_000);
  afterAll(async () => {
    await started?.stop();
  }, 30_000);
}

/** Runs a step and waits until keywarden has completed it (successfully or not). */
export async function runStep(h: Harness, callbackId: string, inputs: Record<string, unknown>): Promise<SlackFunctionExecution & { eventId: string }> {
  const sent = await h.driver.executeFunction({ callbackId, inputs });
  expect(sent.status).toBe(200);
  const done = await h.waitFor(() => {
    const e = h.slack.functions.execution(sent.executionId);
    return e && e.state !== 'running' ? e : undefined;
  });
  return { ...done, eventId: sent.eventId };
}
