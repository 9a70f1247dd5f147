import { ApiClient } from "../shared/api";
import { TokenStore } from "../shared/session";
import type { ApiThread, ApiUser } from "../shared/types";

/** What every part of the widget shares: where it runs, who reads, and the API. */
export interface WidgetContext {
  site: string;
  key: string;
  pageUrl: string | undefined;
  pageTitle: string | undefined;
  /** The service's origin (the iframe's own). */
  service: string;
  /** The host page's origin, checked by the server against the site's allowed origins. */
  parentOrigin: string | null;
  /** The site's name, for an SSO reader's "You are commenting using your <site> account." */
  siteName: string | null;
  tokens: TokenStore;
  api: ApiClient;
  me: ApiUser | null;
  thread: ApiThread | null;
  /** Tells the rest of the widget that the reader signed in or out. */
  onIdentityChange: () => void;
}

/** Reads the widget's settings from its URL and the data the server put on <body>. */
export function createContext(): WidgetContext {
  const params = new URLSearchParams(location.search);
  const tokens = new TokenStore();
  const ctx: WidgetContext = {
    site: params.get("site") ?? "",
    key: params.get("key") ?? "",
    pageUrl: params.get("url") || undefined,
    pageTitle: params.get("title") || undefined,
    service: location.origin,
    parentOrigin: document.body.dataset.parentOrigin || null,
    siteName: document.body.dataset.siteName || null,
    tokens,
    api: new ApiClient(
      location.origin,
      () => tokens.get(),
      () => {
        // The token was revoked or expired elsewhere: sign out here too.
        tokens.set(null);
        ctx.me = null;
        ctx.onIdentityChange();
      },
    ),
    me: null,
    thread: null,
    onIdentityChange: () => {},
  };
  return ctx;
}

/** Whether the reader moderates this site. */
export function isModerator(ctx: WidgetContext): boolean {
  return !!ctx.me && ctx.me.roles?.[ctx.site] !== undefined;
}

/** Posts a message to the host page, only to its exact origin. */
export function postToHost(ctx: WidgetContext, message: object): void {
  if (ctx.parentOrigin && window.parent !== window)
    window.parent.postMessage(message, ctx.parentOrigin);
}
