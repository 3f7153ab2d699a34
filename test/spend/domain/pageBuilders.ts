/** Builders for pages shaped like OpenAI's costs and completions-usage JSON, as the SDK hands them over. */
import type {
  CompletionsUsagePageJson,
  CompletionsUsageResultJson,
  CostPageJson,
  CostResultJson,
} from '../../../src/spend/domain/aggregate.js';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
const seconds = (ms: number): number => Math.floor(ms / 1000);

export const costResult = (projectId: string | null, value: number | string, lineItem = 'gpt-4o, input'): CostResultJson => ({
  object: 'organization.costs.result',
  amount: { value, currency: 'usd' },
  line_item: lineItem,
  project_id: projectId,
});

export const costBucket = (dayStart: number, results: CostResultJson[]) => ({
  object: 'bucket',
  start_time: seconds(dayStart),
  end_time: seconds(dayStart + DAY),
  results,
});

export const costPage = (buckets: ReturnType<typeof costBucket>[], hasMore = false): CostPageJson => ({
  object: 'page',
  data: buckets,
  has_more: hasMore,
  next_page: hasMore ? 'page_next' : null,
});

export const usageResult = (
  projectId: string | null,
  apiKeyId: string | null,
  model: string | null,
  tokens: { input?: number; cached?: number; output?: number },
): CompletionsUsageResultJson => ({
  object: 'organization.usage.completions.result',
  input_tokens: tokens.input ?? 0,
  input_cached_tokens: tokens.cached ?? 0,
  output_tokens: tokens.output ?? 0,
  num_model_requests: 1,
  project_id: projectId,
  api_key_id: apiKeyId,
  model,
});

export const usageBucket = (hourStart: number, results: CompletionsUsageResultJson[]) => ({
  object: 'bucket',
  start_time: seconds(hourStart),
  end_time: seconds(hourStart + HOUR),
  results,
});

export const usagePage = (buckets: ReturnType<typeof usageBucket>[]): CompletionsUsagePageJson => ({
  object: 'page',
  data: buckets,
  has_more: false,
  next_page: null,
});
