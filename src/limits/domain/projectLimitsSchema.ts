/**
 * A project's limits as zod schemas, for what reads them back from JSON (a job's payload, a request's outbox event)
 * rather than trusting a cast. Pure.
 */
import { z } from 'zod';
import { cents } from '../../platform/domain/money.js';
import type { CapRaise, ProjectLimits } from './limits.js';

/** integer US cents (src/platform/domain/money.ts) */
export const centsSchema = z.int().transform(cents);

/** A temporary raise of the hard cap (`CapRaise`). */
export const capRaiseSchema = z.object({
  previousCents: centsSchema.nullable(),
  raisedCents: centsSchema,
  endsAt: z.number(),
  version: z.int(),
  by: z.string(),
}) satisfies z.ZodType<CapRaise>;

/** A project's limits (`ProjectLimits`); the store's bookkeeping fields are not part of them (dropped when parsed). */
export const projectLimitsSchema = z.object({
  projectId: z.string().min(1),
  softCents: centsSchema.nullable(),
  hardCents: centsSchema.nullable(),
  thresholds: z.array(z.number()),
  channelId: z.string().nullable(),
  version: z.int(),
  updatedAt: z.number(),
  updatedBy: z.string(),
  raise: capRaiseSchema.optional(),
}) satisfies z.ZodType<ProjectLimits>;
