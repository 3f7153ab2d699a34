/**
 * A limit-change request's events: their type, and as its outbox holds them (JSON in Redis), a zod schema: the approvals engine
 * parses each one with it before the limit renderers see it (`limits/requestKind.ts`), and skips one that does not
 * fit. Pure.
 */
import { z } from 'zod';
import { approvedEventSchema, cancelledEventSchema, deniedEventSchema, expiredEventSchema } from '../../approvals/domain/requestEventSchemas.js';
import type { ApprovedEvent, CancelledEvent, DeniedEvent, ExpiredEvent } from '../../approvals/domain/requestEvents.js';
import type { ProjectLimits } from './limits.js';

/** Something that happened to a limit-change request, told in its thread and to the requester. */
export type LimitChangeEvent =
  | ApprovedEvent
  | {
      readonly kind: 'applied';
      readonly before: ProjectLimits | null;
      readonly after: ProjectLimits;
      /** the alert channel the change was announced in, if it was */
      readonly announcedIn?: string;
    }
  | DeniedEvent
  | ExpiredEvent
  | CancelledEvent
  /** OpenAI refused the change; `reason` is its words */
  | { readonly kind: 'failed'; readonly reason: string };
import { projectLimitsSchema } from './projectLimitsSchema.js';

/** Every `LimitChangeEvent`, with the fields its renderers read. */
export const limitChangeEventSchema = z.discriminatedUnion('kind', [
  approvedEventSchema,
  z.object({ kind: z.literal('applied'), before: projectLimitsSchema.nullable(), after: projectLimitsSchema, announcedIn: z.string().optional() }),
  deniedEventSchema,
  expiredEventSchema,
  cancelledEventSchema,
  z.object({ kind: z.literal('failed'), reason: z.string() }),
]) satisfies z.ZodType<LimitChangeEvent>;
