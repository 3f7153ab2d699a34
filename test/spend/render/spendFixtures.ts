import { cents } from '../../../src/platform/domain/money.js';
import type { MonthSpend } from '../../../src/spend/domain/aggregate.js';
import type { SpendStatus } from '../../../src/spend/render/status.js';

export const NOV = Date.UTC(2026, 10, 1);
export const NOW = Date.UTC(2026, 10, 22, 16, 5);
const DAY = 86_400_000;

/** $620 in November: $580 billed through the 21st, $40 estimated on the 22nd; $29.00 a day before that. */
export const monthSpend = (overrides: Partial<MonthSpend> = {}): MonthSpend => {
  const daily = Array.from({ length: 30 }, (_, day) => cents(day < 20 ? 2_900 : 0));
  daily[21] = cents(4_000);
  return {
    projectId: 'proj_abc123',
    month: '2026-11',
    monthStart: NOV,
    costCents: cents(58_000),
    costsCoverUntil: NOV + 21 * DAY,
    estimateCents: cents(4_000),
    daily,
    byKey: [
      { apiKeyId: 'key_1', cents: cents(30_000) },
      { apiKeyId: 'key_2', cents: cents(12_000) },
      { apiKeyId: null, cents: cents(5_000) },
      { apiKeyId: 'key_4', cents: cents(1_000) },
      { apiKeyId: 'key_5', cents: cents(500) },
    ],
    byModel: [
      { model: 'gpt-4o', cents: cents(40_000) },
      { model: 'gpt-4o-mini', cents: cents(8_000) },
      { model: 'o3', cents: cents(300) },
      { model: 'gpt-5-nano', cents: cents(200) },
    ],
    unpricedModels: [{ model: 'ft:gpt-4o-mini:acme::x1', tokens: 1_234_567 }],
    usageFrom: NOV + 20 * DAY,
    estimateMissing: false,
    ...overrides,
  };
};

export const spendStatus = (overrides: Partial<SpendStatus> = {}): SpendStatus => ({
  project: { id: 'proj_abc123', name: 'Support summariser' },
  spend: monthSpend(),
  limits: { softCents: cents(100_000), hardCents: cents(200_000) },
  enforcement: 'inactive',
  now: NOW,
  keyLabels: new Map([
    ['key_1', 'sk-svcacct-…AbCd (Support bot)'],
    ['key_2', 'sk-svcacct-…WxYz'],
  ]),
  ...overrides,
});
