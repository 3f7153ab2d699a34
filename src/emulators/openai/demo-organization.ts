import * as ids from './ids.js';
import type { PickBelow } from './ids.js';
import type { OpenAIEmulator } from './server.js';
import { DAY, HOUR, floorTo, utcMonthBounds } from './time-buckets.js';

/** US dollars per million tokens. */
interface ModelPrice {
  readonly input: number;
  readonly cachedInput: number;
  readonly output: number;
}

const PRICES: Record<string, ModelPrice> = {
  'gpt-4o': { input: 2.5, cachedInput: 1.25, output: 10 },
  'gpt-4o-mini': { input: 0.15, cachedInput: 0.075, output: 0.6 },
  'gpt-4.1': { input: 2, cachedInput: 0.5, output: 8 },
  'o3-mini': { input: 1.1, cachedInput: 0.55, output: 4.4 },
};

/** One key's traffic to one model: its share of the project's daily spend and the shape of a typical request. */
interface Traffic {
  readonly key: 'service_account' | 'user' | 'none';
  readonly keyName: string;
  readonly model: keyof typeof PRICES;
  readonly share: number;
  readonly inputTokens: number;
  readonly cachedShare: number;
  readonly outputTokens: number;
}

interface DemoProject {
  readonly name: string;
  readonly ageDays: number;
  /** Spend on a weekday at the start of the month, before growth and noise. */
  readonly weekdayUsd: number;
  readonly dayShape: 'office' | 'nightly';
  readonly spendLimitCents: number | null;
  readonly traffic: readonly Traffic[];
}

const DEMO_PROJECTS: readonly DemoProject[] = [
  {
    name: 'Research Assistant',
    ageDays: 210,
    weekdayUsd: 18,
    dayShape: 'office',
    spendLimitCents: null,
    traffic: [
      { key: 'service_account', keyName: 'research-agent', model: 'gpt-4o', share: 0.62, inputTokens: 3_200, cachedShare: 0.35, outputTokens: 650 },
      { key: 'service_account', keyName: 'research-agent', model: 'o3-mini', share: 0.28, inputTokens: 2_400, cachedShare: 0.2, outputTokens: 1_800 },
      { key: 'user', keyName: "Dana's notebook", model: 'gpt-4o', share: 0.07, inputTokens: 1_500, cachedShare: 0.1, outputTokens: 500 },
      { key: 'none', keyName: 'playground', model: 'gpt-4o', share: 0.03, inputTokens: 900, cachedShare: 0, outputTokens: 400 },
    ],
  },
  {
    name: 'Support Bot',
    ageDays: 160,
    weekdayUsd: 26,
    dayShape: 'office',
    spendLimitCents: 120_000,
    traffic: [
      { key: 'service_account', keyName: 'support-bot-prod', model: 'gpt-4o-mini', share: 0.55, inputTokens: 1_800, cachedShare: 0.5, outputTokens: 300 },
      { key: 'service_account', keyName: 'support-bot-prod', model: 'gpt-4.1', share: 0.4, inputTokens: 2_200, cachedShare: 0.4, outputTokens: 350 },
      { key: 'service_account', keyName: 'support-bot-staging', model: 'gpt-4o-mini', share: 0.05, inputTokens: 1_600, cachedShare: 0.3, outputTokens: 280 },
    ],
  },
  {
    name: 'Data Pipeline',
    ageDays: 95,
    weekdayUsd: 9,
    dayShape: 'nightly',
    spendLimitCents: null,
    traffic: [
      { key: 'service_account', keyName: 'etl-nightly', model: 'gpt-4.1', share: 0.7, inputTokens: 6_000, cachedShare: 0.05, outputTokens: 900 },
      { key: 'service_account', keyName: 'etl-nightly', model: 'gpt-4o-mini', share: 0.3, inputTokens: 4_000, cachedShare: 0.05, outputTokens: 600 },
    ],
  },
  {
    name: 'Marketing Copy',
    ageDays: 48,
    weekdayUsd: 5,
    dayShape: 'office',
    spendLimitCents: null,
    traffic: [
      { key: 'service_account', keyName: 'copy-generator', model: 'gpt-4o', share: 0.8, inputTokens: 1_200, cachedShare: 0.15, outputTokens: 900 },
      { key: 'user', keyName: "Sam's laptop", model: 'gpt-4o-mini', share: 0.2, inputTokens: 800, cachedShare: 0, outputTokens: 700 },
    ],
  },
];

const LEGACY_PROJECT = { name: 'Legacy Prototype', ageDays: 420, archivedDaysAgo: 75 };

const DEMO_USERS: Record<string, { name: string; email: string }> = {
  "Dana's notebook": { name: 'Dana Whitfield', email: 'dana@example.com' },
  "Sam's laptop": { name: 'Sam Okafor', email: 'sam@example.com' },
};

/**
 * A small, believable organization: four active projects and one archived, their service accounts and keys, and this
 * month's hourly completions usage up to `now` with the costs it priced to (weekdays busier than weekends, slow
 * growth). The same `now` gives the same ids, names and numbers every time; only key secrets are random.
 */
export function seedDemoOrganization(e: OpenAIEmulator, opts: { now: number }): void {
  const random = mulberry32(0x6b657977);
  const pickBelow: PickBelow = (n) => Math.floor(random() * n);
  const nowSeconds = Math.floor(opts.now / 1000);
  const month = utcMonthBounds(nowSeconds);

  for (const demo of DEMO_PROJECTS) {
    const createdAt = nowSeconds - demo.ageDays * DAY - pickBelow(DAY);
    const project = e.addProject({ id: ids.projectId(pickBelow), name: demo.name, createdAt });
    const keyIds = new Map<string, string | null>([['playground', null]]);
    for (const traffic of demo.traffic) {
      if (keyIds.has(traffic.keyName)) continue;
      const keyCreatedAt = createdAt + DAY + pickBelow(20 * DAY);
      if (traffic.key === 'service_account') {
        const created = e.addServiceAccount({
          projectId: project.id,
          name: traffic.keyName,
          id: ids.serviceAccountId(pickBelow),
          apiKeyId: ids.apiKeyId(pickBelow),
          createdAt: keyCreatedAt,
        });
        keyIds.set(traffic.keyName, created.apiKey?.id ?? null);
      } else if (traffic.key === 'user') {
        const user = DEMO_USERS[traffic.keyName]!;
        const key = e.addUserApiKey({
          projectId: project.id,
          name: traffic.keyName,
          id: ids.apiKeyId(pickBelow),
          user: { ...user, id: ids.userId(pickBelow) },
          createdAt: keyCreatedAt,
        });
        keyIds.set(traffic.keyName, key.id);
      }
    }
    seedMonthOfTraffic(e, project.id, demo, keyIds, { from: month.start, to: nowSeconds, random });
    if (demo.spendLimitCents !== null) e.setSpendLimit(project.id, demo.spendLimitCents);
  }

  e.addProject({
    id: ids.projectId(pickBelow),
    name: LEGACY_PROJECT.name,
    status: 'archived',
    createdAt: nowSeconds - LEGACY_PROJECT.ageDays * DAY,
    archivedAt: nowSeconds - LEGACY_PROJECT.archivedDaysAgo * DAY,
  });
}

/** Usage for every whole hour in [from, to), and each day's cost per model and token kind. */
function seedMonthOfTraffic(
  e: OpenAIEmulator,
  projectId: string,
  demo: DemoProject,
  keyIds: ReadonlyMap<string, string | null>,
  range: { from: number; to: number; random: () => number },
): void {
  const { random } = range;
  const hourWeights = normalized(Array.from({ length: 24 }, (_, h) => hourWeight(demo.dayShape, h)));
  for (let day = floorTo(range.from, DAY); day < range.to; day += DAY) {
    const dayOfMonth = Math.round((day - range.from) / DAY);
    const dayUsd = demo.weekdayUsd * weekdayFactor(day) * (1 + 0.012 * dayOfMonth) * between(random, 0.85, 1.15);
    const dayCosts = new Map<string, number>();
    for (let h = 0; h < 24; h++) {
      const hour = day + h * HOUR;
      if (hour + HOUR > range.to) break;
      for (const traffic of demo.traffic) {
        const price = PRICES[traffic.model]!;
        const cachedInput = Math.round(traffic.inputTokens * traffic.cachedShare);
        const requestUsd =
          ((traffic.inputTokens - cachedInput) * price.input + cachedInput * price.cachedInput + traffic.outputTokens * price.output) /
          1_000_000;
        const requests = Math.round(((dayUsd * traffic.share * hourWeights[h]!) / requestUsd) * between(random, 0.8, 1.2));
        if (requests === 0) continue;
        const inputTokens = Math.round(requests * traffic.inputTokens * between(random, 0.9, 1.1));
        const cachedInputTokens = Math.round(inputTokens * traffic.cachedShare);
        const outputTokens = Math.round(requests * traffic.outputTokens * between(random, 0.9, 1.1));
        e.addUsage({
          projectId,
          apiKeyId: keyIds.get(traffic.keyName) ?? null,
          model: traffic.model,
          hour,
          inputTokens,
          cachedInputTokens,
          outputTokens,
          requests,
        });
        addTo(dayCosts, `${traffic.model}, input`, ((inputTokens - cachedInputTokens) * price.input) / 1_000_000);
        addTo(dayCosts, `${traffic.model}, cached input`, (cachedInputTokens * price.cachedInput) / 1_000_000);
        addTo(dayCosts, `${traffic.model}, output`, (outputTokens * price.output) / 1_000_000);
      }
    }
    for (const [lineItem, usd] of dayCosts) if (usd > 0) e.addCost({ projectId, day, usd, lineItem });
  }
}

function hourWeight(shape: DemoProject['dayShape'], hourOfDay: number): number {
  // Office traffic peaks mid-afternoon UTC (morning in the Americas); nightly batch work peaks at 02:00 UTC.
  const peak = shape === 'office' ? 15 : 2;
  const spread = shape === 'office' ? 3.5 : 2;
  const distance = Math.min(Math.abs(hourOfDay - peak), 24 - Math.abs(hourOfDay - peak));
  return (shape === 'office' ? 0.12 : 0.05) + Math.exp(-(distance * distance) / (2 * spread * spread));
}

function weekdayFactor(dayStart: number): number {
  const weekday = new Date(dayStart * 1000).getUTCDay();
  if (weekday === 6) return 0.4;
  if (weekday === 0) return 0.3;
  return 1;
}

function normalized(weights: number[]): number[] {
  const total = weights.reduce((a, b) => a + b, 0);
  return weights.map((w) => w / total);
}

function addTo(map: Map<string, number>, key: string, value: number): void {
  map.set(key, (map.get(key) ?? 0) + value);
}

function between(random: () => number, low: number, high: number): number {
  return low + (high - low) * random();
}

/** A small seeded PRNG (Mulberry32): the same seed gives the same sequence on every platform. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
