/**
 * Alerts: tell people when blocking starts or ends.
 *
 * Design: Atom 1.0 feeds rendered from the events table on request (`atom.ts`, pure, escaping every measured text),
 * and webhooks (`webhooks.ts`): admin-registered URLs, HMAC-SHA256-signed JSON payloads, background delivery with
 * exponential backoff, every attempt logged in `webhook_deliveries` (migration 101).
 *
 * Operations: the routes live in `events/routes.ts` (`/api/v1/feeds/events.atom`, `/api/v1/admin/webhooks…`); the
 * event service hands each batch's opened/closed transitions to the dispatcher.
 */
export { escapeXml, type FeedOptions, renderAtomFeed } from './atom.ts';
export {
  createWebhookDispatcher,
  type DeliveryAttempt,
  signBody,
  type Webhook,
  type WebhookDispatcher,
  type WebhookOptions,
} from './webhooks.ts';
