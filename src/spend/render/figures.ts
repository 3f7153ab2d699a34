/** Small pieces the spend messages share: progress bars, UTC dates, project names, API key and model labels. */
import { fitUserText, codeSpan } from '../../platform/slack/render/mrkdwn.js';

const BAR_CELLS = 10;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;
const MONTH_NAMES = [
  'January', 'February', 'March', 'April', 'May', 'June',
  'July', 'August', 'September', 'October', 'November', 'December',
] as const;

export interface SpendProject {
  readonly id: string;
  readonly name: string;
}

/** `▓▓▓▓▓▓░░░░ 62%`: one cell per whole 10%, full from 100%; the percentage itself may pass 100. */
export const progressBar = (percent: number): string => {
  const whole = Math.max(0, Math.floor(percent));
  const filled = Math.min(BAR_CELLS, Math.floor(whole / 10));
  return `${'▓'.repeat(filled)}${'░'.repeat(BAR_CELLS - filled)} ${whole}%`;
};

/** `27 Nov`, in UTC like OpenAI's billing days: Slack's own date tokens would shift it into each reader's zone. */
export const dayMonthText = (ms: number): string => {
  const date = new Date(ms);
  return `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()] ?? ''}`;
};

/** `November 2026` for `2026-11`. */
export const monthName = (month: string): string => {
  const [year, index] = month.split('-');
  return `${MONTH_NAMES[Number(index) - 1] ?? month} ${year ?? ''}`.trim();
};

export const projectName = (project: SpendProject, max = 150): string => fitUserText(project.name, max);

/** How an API key is shown: the caller's redacted label, else its id; usage without a key says so. */
export const apiKeyLabel = (apiKeyId: string | null, labels: ReadonlyMap<string, string>): string => {
  if (apiKeyId === null) return 'no API key (e.g. the Playground)';
  return codeSpan(labels.get(apiKeyId) ?? apiKeyId, 80);
};

export const modelLabel = (model: string | null): string =>
  model === null ? 'model not reported' : codeSpan(model, 80);

export const groupDigits = (value: number): string => String(value).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
