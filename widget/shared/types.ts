/**
 * The API objects the browser code reads (shared/API.md): the server's own presenter types, so the
 * widget and the API cannot drift apart. Type-only imports; nothing of the server is bundled.
 */
export type { Provider, SignInProvider } from "../../models/Site";
export type { ApiComment } from "../../server/presenters/comment";
export type { ApiThread } from "../../server/presenters/thread";
export type { ApiUser } from "../../auth/presentUser";
export type { LogEntry, QueueItem } from "../../server/services/moderation";
import type { SignInProvider } from "../../models/Site";

/** Names as the reply form says them; an SSO reader's account is named after the site instead. */
export const PROVIDER_NAMES: Record<SignInProvider, string> = {
  wordpress: "WordPress.com",
  twitter: "Twitter",
  facebook: "Facebook",
  sso: "site",
  demo: "Demo",
};
