/**
 * A key request's events as its outbox holds them (JSON in Redis), as a zod schema: the approvals engine parses each
 * one with it before the key renderers see it (`keys/requestKind.ts`), and skips one that does not fit. Pure.
 */
import { z } from 'zod';
import {
  approvedEventSchema,
  cancelledEventSchema,
  deniedEventSchema,
  expiredEventSchema,
} from '../../approvals/domain/requestEventSchemas.js';
import type { ThreadEvent } from '../../approvals/domain/requestEvents.js';

/** Every `ThreadEvent` (approvals/domain/requestEvents.ts), with the fields its renderers read. */
export const threadEventSchema = z.discriminatedUnion('kind', [
  approvedEventSchema,
  deniedEventSchema,
  expiredEventSchema,
  cancelledEventSchema,
  z.object({ kind: z.literal('key_created'), redactedKey: z.string(), keyExpiresAt: z.number().optional() }),
  z.object({ kind: z.literal('delivered'), to: z.string() }),
  z.object({ kind: z.literal('revealed'), by: z.string() }),
  z.object({ kind: z.literal('reveal_expired') }),
  z.object({ kind: z.literal('revoked'), by: z.string(), reason: z.string().optional() }),
  z.object({ kind: z.literal('failed'), reason: z.string(), willRetry: z.boolean() }),
]) satisfies z.ZodType<ThreadEvent>;
