/**
 * A limit-change request's events as its outbox holds them (JSON in Redis), as a zod schema: the approvals engine
 * parses each one with it before the limit renderers see it (`limits/requestKind.ts`), and skips one that does not
 * fit. Pure.
 */
import { z } from 'zod';
import { approvedEventSchema, cancelledEventSchema, deniedEventSchema, expiredEventSchema } from '../../approvals/domain/requestEventSchemas.js';
import type { LimitChangeEvent } from '../../approvals/domain/requestEvents.js';
import { projectLimitsSchema } from './projectLimitsSchema.js';

/** Every `LimitChangeEvent` (approvals/domain/requestEvents.ts), with the fields its renderers read. */
export const limitChangeEventSchema = z.discriminatedUnion('kind', [
  approvedEventSchema,
  z.object({ kind: z.literal('applied'), before: projectLimitsSchema.nullable(), after: projectLimitsSchema, announcedIn: z.string().optional() }),
  deniedEventSchema,
  expiredEventSchema,
  cancelledEventSchema,
  z.object({ kind: z.literal('failed'), reason: z.string() }),
]) satisfies z.ZodType<LimitChangeEvent>;
