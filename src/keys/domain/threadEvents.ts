/**
 * A key request's events: their type, and as its outbox holds them (JSON in Redis), a zod schema: the approvals engine parses each
 * one with it before the key renderers see it (`keys/requestKind.ts`), and skips one that does not fit. Pure.
 */
import { z } from 'zod';
import {
  approvedEventSchema,
  cancelledEventSchema,
  deniedEventSchema,
  expiredEventSchema,
} from '../../approvals/domain/requestEventSchemas.js';
import type { ApprovedEvent, CancelledEvent, DeniedEvent, ExpiredEvent } from '../../approvals/domain/requestEvents.js';

/** Something that happened to a key request, told in its thread (and, for most kinds, to the requester by DM). */
export type ThreadEvent =
  | ApprovedEvent
  | DeniedEvent
  | ExpiredEvent
  | CancelledEvent
  | { readonly kind: 'key_created'; readonly redactedKey: string; readonly keyExpiresAt?: number }
  | { readonly kind: 'delivered'; readonly to: string }
  | { readonly kind: 'revealed'; readonly by: string }
  | { readonly kind: 'reveal_expired' }
  | { readonly kind: 'revoked'; readonly by: string; readonly reason?: string }
  | { readonly kind: 'failed'; readonly reason: string; readonly willRetry: boolean };

/** Every `ThreadEvent`, with the fields its renderers read. */
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
