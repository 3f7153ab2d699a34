/**
 * The OpenAI emulator in a process of its own, seeded for the poll bench, so the bench's RSS is keywarden's alone.
 * Prints one JSON line when ready: `{ baseURL, adminKey, projectIds }`. Then reads commands on stdin, one a line:
 * `calls` prints `{ "<METHOD> <path with {project}>": count }` of the calls since the last `calls` (a 429 is counted
 * under `429 <METHOD> <path>` as well); `now <ms>` moves the emulator's clock and prints `{}`; `exit` stops.
 * The first `nearCap` limited projects are capped at $100, below what they spent; the others at $300 and up.
 * `spendLimitReadsPerMinute` (0: no limit) rate limits spend-limit reads as OpenAI does, 429 without Retry-After.
 *
 *   node --import tsx bench/support/openaiEmulatorProcess.ts <projects> <limitedProjects> <nowMs> [nearCap] [spendLimitReadsPerMinute]
 */
import { createInterface } from 'node:readline';
import { startOpenAIEmulator } from '../../src/emulators/openai/index.js';
import type { Cents } from '../../src/platform/domain/money.js';

const PROJECTS = Number(process.argv[2] ?? 10_000);
const LIMITED = Number(process.argv[3] ?? 100);
const NOW = Number(process.argv[4] ?? Date.UTC(2026, 11, 31, 23, 30));
const NEAR_CAP = Number(process.argv[5] ?? 0);
const READS_PER_MINUTE = Number(process.argv[6] ?? 0);
const MODELS = ['gpt-4o', 'gpt-4o-mini', 'gpt-4.1', 'o3-mini'];

let clock = NOW;
const openai = await startOpenAIEmulator({ now: () => clock, ...(READS_PER_MINUTE > 0 ? { rateLimits: { spendLimitReadsPerMinute: READS_PER_MINUTE } } : {}) });
const now = new Date(NOW);
const year = now.getUTCFullYear();
const month = now.getUTCMonth();
const lastDay = now.getUTCDate();
const projectIds: string[] = [];
for (let i = 0; i < PROJECTS; i += 1) {
  const id = openai.addProject({ name: `Project ${i}` }).id;
  projectIds.push(id);
  for (let d = 1; d <= lastDay; d += 1) openai.addCost({ projectId: id, day: Math.floor(Date.UTC(year, month, d, 12) / 1000), usd: 0.5 + ((i * 31 + d) % 97) / 10 });
}
// The last day's usage, hourly, for the limited projects (the estimate and the per-key and per-model tops).
for (let i = 0; i < LIMITED; i += 1) {
  const projectId = projectIds[i] as string;
  openai.setSpendLimit(projectId, (i < NEAR_CAP ? 100_00 : 300_00 + i * 100) as Cents);
  for (let hour = 0; hour < 24; hour += 1) {
    openai.addUsage({ projectId, apiKeyId: `key_bench_${i}`, model: MODELS[(i + hour) % MODELS.length] as string, hour: Math.floor(Date.UTC(year, month, lastDay, hour) / 1000), inputTokens: 20_000, cachedInputTokens: 2_000, outputTokens: 4_000, requests: 10 });
  }
}
process.stdout.write(`${JSON.stringify({ baseURL: openai.baseURL, adminKey: openai.adminKey, projectIds: projectIds.slice(0, LIMITED) })}\n`);

let mark = openai.calls.length;
for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() === 'calls') {
    const byPath: Record<string, number> = {};
    for (const c of openai.calls.slice(mark)) {
      const key = `${c.method} ${c.path.replace(/proj_[A-Za-z0-9]+/, '{project}')}`;
      byPath[key] = (byPath[key] ?? 0) + 1;
      if (c.status === 429) byPath[`429 ${key}`] = (byPath[`429 ${key}`] ?? 0) + 1;
    }
    mark = openai.calls.length;
    process.stdout.write(`${JSON.stringify(byPath)}\n`);
  } else if (line.startsWith('now ')) {
    clock = Number(line.slice(4));
    process.stdout.write('{}\n');
  } else if (line.trim() === 'exit') {
    break;
  }
}
await openai.close();
process.exit(0);
