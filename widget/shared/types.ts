/**
 * The API objects the browser code reads (shared/API.md): the server's own presenter types, so the
 * widget and the API cannot drift apart. Type-only imports; nothing of the server is bundled.
 */
export type { Provider } from "../../models/Site";
export type { ApiComment } from "../../server/presenters/comment";
export type { ApiThread } from "../../server/presenters/thread";
export type { ApiUser } from "../../auth/presentUser";
export type { LogEntry, QueueItem } from "../../server/services/moderation";
import type { Provider } from "../../models/Site";

export const PROVIDER_NAMES: Record<Provider, string> = {
  wordpress: "WordPress.com",
  twitter: "Twitter",
  facebook: "Facebook",
};
