import { invalidParam } from './api-error.js';

export const MINUTE = 60;
export const HOUR = 3_600;
export const DAY = 86_400;

export type BucketWidth = '1m' | '1h' | '1d';

export const BUCKET_SECONDS: Record<BucketWidth, number> = { '1m': MINUTE, '1h': HOUR, '1d': DAY };

export const floorTo = (seconds: number, width: number): number => Math.floor(seconds / width) * width;

export function utcMonthBounds(epochSeconds: number): { start: number; end: number } {
  const date = new Date(epochSeconds * 1000);
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth();
  return { start: Date.UTC(year, month, 1) / 1000, end: Date.UTC(year, month + 1, 1) / 1000 };
}

export interface BucketPage {
  /** The start of each bucket on this page; each bucket is `width` seconds long. */
  readonly starts: number[];
  readonly width: number;
  readonly nextPage: string | null;
}

const PAGE_PREFIX = 'page_';

const encodePage = (bucketStart: number): string =>
  PAGE_PREFIX + Buffer.from(String(bucketStart), 'utf8').toString('base64url');

function decodePage(page: string): number {
  if (!page.startsWith(PAGE_PREFIX)) throw invalidParam('page', `Invalid 'page' cursor: '${page}'.`);
  const decoded = Buffer.from(page.slice(PAGE_PREFIX.length), 'base64url').toString('utf8');
  if (!/^\d+$/.test(decoded)) throw invalidParam('page', `Invalid 'page' cursor: '${page}'.`);
  return Number(decoded);
}

/**
 * The buckets of one page of a usage or costs query. Buckets are aligned to their width in UTC (a `1d` bucket
 * starts at midnight), empty buckets are listed too, and `page` is the opaque cursor of a previous `next_page`.
 */
export function bucketPage(query: {
  startTime: number;
  endTime: number;
  width: number;
  limit: number;
  page: string | undefined;
}): BucketPage {
  const { endTime, width, limit } = query;
  if (endTime <= query.startTime) throw invalidParam('end_time', "'end_time' must be after 'start_time'.");
  const firstStart = floorTo(query.startTime, width);
  let from = firstStart;
  if (query.page !== undefined) {
    from = decodePage(query.page);
    if (from < firstStart || from >= endTime || (from - firstStart) % width !== 0) {
      throw invalidParam('page', `The 'page' cursor does not belong to this time range.`);
    }
  }
  const starts: number[] = [];
  let next = from;
  while (next < endTime && starts.length < limit) {
    starts.push(next);
    next += width;
  }
  return { starts, width, nextPage: next < endTime ? encodePage(next) : null };
}
