/**
 * Moves the demo organization's spend forward: costs and matching completions usage added through the OpenAI
 * emulator, and this month's spend per project read back through the emulator's own costs endpoint.
 */
import type { OpenAIEmulator } from '../emulators/openai/index.js';

/** gpt-4o, US dollars per token. */
const INPUT_USD_PER_TOKEN = 2.5 / 1_000_000;
const OUTPUT_USD_PER_TOKEN = 10 / 1_000_000;
/** The share of a dollar amount spent on input tokens; the rest is output. */
const INPUT_SHARE = 0.4;
const TOKENS_PER_REQUEST = 2_000;
const DAY_SECONDS = 86_400;
/** Used for a project with no spend yet this month. */
const FALLBACK_DAILY_USD = 20;

export type SpendKind = 'day' | 'burst';

export interface ProjectSpend {
  readonly id: string;
  readonly name: string;
  readonly monthToDateUsd: number;
  /** a typical day's spend this month, what "add a day's spend" adds */
  readonly dailyUsd: number;
  /** OpenAI's own monthly budget on the project, when one is set */
  readonly spendLimitUsd: number | null;
  /** true once this month's costs reached that budget */
  readonly spendLimitEnforcing: boolean;
  /** limits that make the time panel's buttons tell the alert story from this month's spend */
  readonly tryLimits: TryLimits;
}

export interface TryLimits {
  readonly softUsd: number;
  readonly hardUsd: number;
  /** what an admin types for them */
  readonly command: string;
}

export interface AddedSpend {
  readonly projectId: string;
  readonly usd: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly apiKeyId: string | null;
}

export const BURST_DEFAULT_USD = 250;
const TRY_LIMITS_STEP_USD = 100;

/** The smallest multiple of `step` strictly above `usd`. */
function roundAbove(usd: number, step: number): number {
  return (Math.floor(usd / step) + 1) * step;
}

/**
 * Round limits just above this month's spend, such that from now, with bursts of `burstUsd`: a day's spend stays
 * under the soft limit, one burst (after a day's spend or not) reaches it but stays under the hard cap, and a second
 * burst reaches the hard cap. The month's spend grows from day to day, so no fixed numbers would do this all month.
 */
export function suggestLimits(input: { projectName: string; monthToDateUsd: number; dailyUsd: number; burstUsd?: number }): TryLimits {
  const burst = input.burstUsd ?? BURST_DEFAULT_USD;
  // roundAbove adds at most one step, and margin + step < burst, so each limit lands within one burst of the last.
  const step = Math.min(TRY_LIMITS_STEP_USD, burst / 2);
  const margin = Math.min(Math.max(0, input.dailyUsd), burst / 4);
  const softUsd = roundAbove(input.monthToDateUsd + margin, step);
  const hardUsd = roundAbove(input.monthToDateUsd + burst + margin, step);
  return { softUsd, hardUsd, command: `/openai-key limit "${input.projectName}" soft ${softUsd} hard ${hardUsd}` };
}

function monthStartSeconds(nowMs: number): number {
  const d = new Date(nowMs);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) / 1000;
}

/** This month's billed costs per project id, in dollars, as OpenAI's costs endpoint reports them. */
export async function monthToDateCosts(openai: OpenAIEmulator, nowMs: number): Promise<Map<string, number>> {
  const query = new URLSearchParams({
    start_time: String(monthStartSeconds(nowMs)),
    bucket_width: '1d',
    limit: '31',
  });
  query.append('group_by', 'project_id');
  const response = await fetch(`${openai.baseURL}/organization/costs?${query}`, {
    headers: { Authorization: `Bearer ${openai.adminKey}` },
  });
  if (!response.ok) throw new Error(`the OpenAI emulator answered costs with HTTP ${response.status}`);
  const page = (await response.json()) as {
    data: { results: { project_id: string | null; amount: { value: number | string } }[] }[];
  };
  const totals = new Map<string, number>();
  for (const bucket of page.data) {
    for (const result of bucket.results) {
      if (result.project_id === null) continue;
      totals.set(result.project_id, (totals.get(result.project_id) ?? 0) + Number(result.amount.value));
    }
  }
  return totals;
}

/** The active projects with this month's spend and a typical day's spend. */
export async function projectSpends(openai: OpenAIEmulator, nowMs: number): Promise<ProjectSpend[]> {
  const totals = await monthToDateCosts(openai, nowMs);
  const daysSoFar = Math.max(1, (nowMs / 1000 - monthStartSeconds(nowMs)) / DAY_SECONDS);
  return openai
    .projects()
    .filter((p) => p.status === 'active')
    .map((p) => {
      const monthToDateUsd = roundCents(totals.get(p.id) ?? 0);
      const limit = openai.spendLimit(p.id);
      const dailyUsd = monthToDateUsd > 0 ? roundCents(monthToDateUsd / daysSoFar) : FALLBACK_DAILY_USD;
      return {
        id: p.id,
        name: p.name,
        monthToDateUsd,
        dailyUsd,
        // OpenAI's threshold_amount is in cents.
        spendLimitUsd: limit ? limit.threshold_amount / 100 : null,
        spendLimitEnforcing: limit?.status === 'enforcing',
        tryLimits: suggestLimits({ projectName: p.name, monthToDateUsd, dailyUsd }),
      };
    });
}

/**
 * Adds `usd` of gpt-4o traffic to the project now: cost line items for today and the usage that priced to them,
 * attributed to the project's newest API key (keywarden's, once it has issued one).
 */
export function addSpend(openai: OpenAIEmulator, input: { projectId: string; usd: number; nowMs: number }): AddedSpend {
  if (!Number.isFinite(input.usd) || input.usd <= 0) throw new RangeError('spend must be a positive number of dollars');
  if (!openai.project(input.projectId)) throw new RangeError(`no project ${input.projectId}`);
  const nowSeconds = Math.floor(input.nowMs / 1000);
  const inputUsd = input.usd * INPUT_SHARE;
  const outputUsd = input.usd - inputUsd;
  const inputTokens = Math.round(inputUsd / INPUT_USD_PER_TOKEN);
  const outputTokens = Math.round(outputUsd / OUTPUT_USD_PER_TOKEN);
  const newestKey = openai
    .apiKeys(input.projectId)
    .slice()
    .sort((a, b) => b.createdAt - a.createdAt)[0];
  const apiKeyId = newestKey?.id ?? null;
  openai.addCost({ projectId: input.projectId, day: nowSeconds, usd: inputUsd, lineItem: 'gpt-4o, input' });
  openai.addCost({ projectId: input.projectId, day: nowSeconds, usd: outputUsd, lineItem: 'gpt-4o, output' });
  openai.addUsage({
    projectId: input.projectId,
    apiKeyId,
    model: 'gpt-4o',
    hour: nowSeconds,
    inputTokens,
    cachedInputTokens: 0,
    outputTokens,
    requests: Math.max(1, Math.round(inputTokens / TOKENS_PER_REQUEST)),
  });
  return { projectId: input.projectId, usd: roundCents(input.usd), inputTokens, outputTokens, apiKeyId };
}

function roundCents(usd: number): number {
  return Math.round(usd * 100) / 100;
}
