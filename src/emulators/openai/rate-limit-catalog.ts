import type { RateLimit } from './model.js';

export type RateLimitField = Exclude<keyof RateLimit, 'id' | 'model'>;

export const RATE_LIMIT_FIELDS: readonly RateLimitField[] = [
  'max_requests_per_1_minute',
  'max_tokens_per_1_minute',
  'max_images_per_1_minute',
  'max_audio_megabytes_per_1_minute',
  'max_requests_per_1_day',
  'batch_1_day_max_input_tokens',
];

/**
 * The organization's limits per model, which every project starts with. A project may lower a limit but not raise it
 * above these, as on OpenAI, where a project's limits are capped by its organization's tier.
 */
export const ORGANIZATION_RATE_LIMITS: readonly RateLimit[] = [
  { id: 'rl-gpt-4o', model: 'gpt-4o', max_requests_per_1_minute: 10_000, max_tokens_per_1_minute: 30_000_000, batch_1_day_max_input_tokens: 5_000_000_000 },
  { id: 'rl-gpt-4o-mini', model: 'gpt-4o-mini', max_requests_per_1_minute: 30_000, max_tokens_per_1_minute: 150_000_000, batch_1_day_max_input_tokens: 15_000_000_000 },
  { id: 'rl-gpt-4.1', model: 'gpt-4.1', max_requests_per_1_minute: 10_000, max_tokens_per_1_minute: 30_000_000, batch_1_day_max_input_tokens: 15_000_000_000 },
  { id: 'rl-gpt-4.1-mini', model: 'gpt-4.1-mini', max_requests_per_1_minute: 30_000, max_tokens_per_1_minute: 150_000_000, batch_1_day_max_input_tokens: 15_000_000_000 },
  { id: 'rl-o3-mini', model: 'o3-mini', max_requests_per_1_minute: 30_000, max_tokens_per_1_minute: 150_000_000, batch_1_day_max_input_tokens: 15_000_000_000 },
  { id: 'rl-o4-mini', model: 'o4-mini', max_requests_per_1_minute: 30_000, max_tokens_per_1_minute: 150_000_000, batch_1_day_max_input_tokens: 15_000_000_000 },
  { id: 'rl-text-embedding-3-small', model: 'text-embedding-3-small', max_requests_per_1_minute: 10_000, max_tokens_per_1_minute: 10_000_000, max_requests_per_1_day: 10_000_000 },
  { id: 'rl-gpt-image-1', model: 'gpt-image-1', max_requests_per_1_minute: 5_000, max_tokens_per_1_minute: 8_000_000, max_images_per_1_minute: 250 },
  { id: 'rl-gpt-4o-mini-transcribe', model: 'gpt-4o-mini-transcribe', max_requests_per_1_minute: 10_000, max_tokens_per_1_minute: 8_000_000, max_audio_megabytes_per_1_minute: 300 },
];
