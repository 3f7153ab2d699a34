import type { CostEntry } from './model.js';
import { DAY, floorTo } from './time-buckets.js';

export const DEFAULT_LINE_ITEM = 'completions';

export interface CostGroupBy {
  readonly projectId: boolean;
  readonly lineItem: boolean;
}

export interface CostGroup {
  readonly projectId: string | null;
  readonly lineItem: string | null;
  /** Millionths of a dollar, kept as integers so that sums of many small costs stay exact. */
  readonly micros: number;
}

export const usdToMicros = (usd: number): number => Math.round(usd * 1_000_000);

/** Costs indexed by UTC day, then project, then line item, so a query reads only the days it asks for. */
export class CostLedger {
  private readonly days = new Map<number, Map<string, Map<string, number>>>();

  add(entry: CostEntry): void {
    if (!Number.isFinite(entry.usd)) throw new RangeError(`Cost must be a finite number of dollars, got ${entry.usd}.`);
    const day = floorTo(entry.day, DAY);
    let projects = this.days.get(day);
    if (!projects) this.days.set(day, (projects = new Map()));
    let lineItems = projects.get(entry.projectId);
    if (!lineItems) projects.set(entry.projectId, (lineItems = new Map()));
    const lineItem = entry.lineItem ?? DEFAULT_LINE_ITEM;
    lineItems.set(lineItem, (lineItems.get(lineItem) ?? 0) + usdToMicros(entry.usd));
  }

  /** The project's costs over the days that start in [from, to). */
  totalMicros(projectId: string, from: number, to: number): number {
    let total = 0;
    for (let day = floorTo(from, DAY); day < to; day += DAY) {
      const lineItems = this.days.get(day)?.get(projectId);
      if (lineItems) for (const micros of lineItems.values()) total += micros;
    }
    return total;
  }

  /** One day's costs, summed per group in the order groups first appear; an empty day gives no groups. */
  day(dayStart: number, projectIds: ReadonlySet<string> | null, groupBy: CostGroupBy): CostGroup[] {
    const projects = this.days.get(dayStart);
    if (!projects) return [];
    const groups = new Map<string, { projectId: string | null; lineItem: string | null; micros: number }>();
    const addLineItems = (projectId: string, lineItems: Map<string, number>): void => {
      for (const [lineItem, micros] of lineItems) {
        const groupProject = groupBy.projectId ? projectId : null;
        const groupLineItem = groupBy.lineItem ? lineItem : null;
        const key = `${groupProject ?? ''}\u0000${groupLineItem ?? ''}`;
        const group = groups.get(key);
        if (group) group.micros += micros;
        else groups.set(key, { projectId: groupProject, lineItem: groupLineItem, micros });
      }
    };
    // A filter of a few projects reads only those, not every project that spent that day.
    if (projectIds && projectIds.size < projects.size) {
      for (const projectId of projectIds) {
        const lineItems = projects.get(projectId);
        if (lineItems) addLineItems(projectId, lineItems);
      }
    } else {
      for (const [projectId, lineItems] of projects) {
        if (!projectIds || projectIds.has(projectId)) addLineItems(projectId, lineItems);
      }
    }
    return [...groups.values()];
  }
}
