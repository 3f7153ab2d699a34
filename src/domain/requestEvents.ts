/**
 * What happens to requests after they are made. The services emit these (through the outbox), and the Slack
 * renderers turn them into thread notes and DMs. A refused attempt to decide is not an event: it is answered to
 * the person who tried, by ephemeral.
 */
import type { ProjectLimits } from './limits.js';

/** Something that happened to a key request, told in its thread (and, for most kinds, to the requester by DM). */
export type ThreadEvent =
  | { readonly kind: 'approved'; readonly by: string }
  | { readonly kind: 'denied'; readonly by: string; readonly reason: string }
  | { readonly kind: 'expired' }
  /** withdrawn while pending, by the requester or an admin */
  | { readonly kind: 'cancelled'; readonly by: string }
  | { readonly kind: 'key_created'; readonly redactedKey: string; readonly keyExpiresAt?: number }
  | { readonly kind: 'delivered'; readonly to: string }
  | { readonly kind: 'revealed'; readonly by: string }
  | { readonly kind: 'reveal_expired' }
  | { readonly kind: 'revoked'; readonly by: string; readonly reason?: string }
  | { readonly kind: 'failed'; readonly reason: string; readonly willRetry: boolean };

/** Something that happened to a limit-change request, told in its thread and to the requester. */
export type LimitChangeEvent =
  | { readonly kind: 'approved'; readonly by: string }
  | {
      readonly kind: 'applied';
      readonly before: ProjectLimits | null;
      readonly after: ProjectLimits;
      /** the alert channel the change was announced in, if it was */
      readonly announcedIn?: string;
    }
  | { readonly kind: 'denied'; readonly by: string; readonly reason: string }
  | { readonly kind: 'expired' }
  /** OpenAI refused the change; `reason` is its words */
  | { readonly kind: 'failed'; readonly reason: string };
