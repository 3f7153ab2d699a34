import { invalidParam } from './api-error.js';

/**
 * Query parameters as OpenAI reads them. Array parameters arrive in three forms and all are accepted:
 * `group_by[]=a&group_by[]=b` (the SDK), `group_by=a&group_by=b` (other clients) and `group_by=a,b`.
 */
export class QueryParams {
  private readonly values = new Map<string, string[]>();

  constructor(search: URLSearchParams) {
    for (const [rawKey, value] of search) {
      const key = rawKey.replace(/\[\d*\]$/, '');
      const existing = this.values.get(key);
      if (existing) existing.push(value);
      else this.values.set(key, [value]);
    }
  }

  /** The parameters keyed as sent, for the call record. */
  static asSent(search: URLSearchParams): Record<string, string | string[]> {
    const out: Record<string, string | string[]> = {};
    for (const [key, value] of search) {
      const existing = out[key];
      if (existing === undefined) out[key] = key.endsWith(']') ? [value] : value;
      else if (Array.isArray(existing)) existing.push(value);
      else out[key] = [existing, value];
    }
    return out;
  }

  string(name: string): string | undefined {
    const values = this.values.get(name);
    if (!values) return undefined;
    if (values.length > 1) throw invalidParam(name, `'${name}' must be given once.`);
    return values[0];
  }

  integer(name: string, bounds: { min: number; max?: number }): number | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    if (!/^-?\d+$/.test(raw.trim())) throw invalidParam(name, `Invalid '${name}': expected an integer, got '${raw}'.`);
    const value = Number(raw);
    if (!Number.isSafeInteger(value) || value < bounds.min || (bounds.max !== undefined && value > bounds.max)) {
      const range = bounds.max === undefined ? `at least ${bounds.min}` : `between ${bounds.min} and ${bounds.max}`;
      throw invalidParam(name, `Invalid '${name}': ${raw}. It must be ${range}.`);
    }
    return value;
  }

  boolean(name: string): boolean | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    if (raw === 'true' || raw === '1') return true;
    if (raw === 'false' || raw === '0') return false;
    throw invalidParam(name, `Invalid '${name}': expected true or false, got '${raw}'.`);
  }

  /** An array parameter, flattened from all three forms; undefined when absent. */
  list(name: string): string[] | undefined {
    const values = this.values.get(name);
    if (!values) return undefined;
    return values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v.length > 0);
  }

  enumList<T extends string>(name: string, allowed: readonly T[]): T[] | undefined {
    const values = this.list(name);
    if (!values) return undefined;
    for (const value of values) {
      if (!(allowed as readonly string[]).includes(value)) {
        throw invalidParam(name, `Invalid value for '${name}': '${value}'. Supported values are: ${allowed.join(', ')}.`);
      }
    }
    return values as T[];
  }
}
