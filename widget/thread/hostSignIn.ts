import type { ApiUser } from "../shared/types";
import { endSession } from "../shared/session";
import { postToHost, type WidgetContext } from "./context";

/** How long the widget waits for the host page's token before it shows the page without it. */
const HOST_TOKEN_WAIT_MS = 5000;

/**
 * The host site's token for its reader (the script tag's data-sso-token), asked of embed.js by
 * postMessage so it never travels in a URL. Null when the host passes none: its reader is not
 * logged in there.
 */
export function hostToken(ctx: WidgetContext): Promise<string | null> {
  const wanted = new URLSearchParams(location.search).get("sso") === "1";
  if (!wanted || !ctx.parentOrigin) return Promise.resolve(null);
  return new Promise((resolve) => {
    const done = (token: string | null) => {
      clearTimeout(timer);
      window.removeEventListener("message", onMessage);
      resolve(token);
    };
    const onMessage = (event: MessageEvent) => {
      if (event.origin !== ctx.parentOrigin || event.source !== window.parent) return;
      const m = event.data as { type?: string; token?: unknown };
      if (m?.type === "comments:sso") done(typeof m.token === "string" ? m.token : null);
    };
    const timer = setTimeout(() => done(null), HOST_TOKEN_WAIT_MS);
    window.addEventListener("message", onMessage);
    postToHost(ctx, { type: "comments:sso-wanted" });
  });
}

/** The reader's identity on this site's own accounts, when signed in through them. */
function siteIdentity(ctx: WidgetContext): string | null {
  if (ctx.me?.provider !== "sso") return null;
  const prefix = `${ctx.site}:`;
  return (
    ctx.me.identities.find((i) => i.provider === "sso" && i.username.startsWith(prefix))
      ?.username ?? null
  );
}

/** The `sub` a token names, read without checking it (the server checks; this only compares). */
function subjectOf(token: string): string | null {
  try {
    const payload = token.split(".")[1] ?? "";
    const json = atob(payload.replace(/-/g, "+").replace(/_/g, "/"));
    const sub = (JSON.parse(json) as { sub?: unknown }).sub;
    return typeof sub === "string" ? sub : null;
  } catch {
    return null;
  }
}

/** Ends the widget's current session, here and on the service. */
async function signOut(ctx: WidgetContext): Promise<void> {
  await endSession(ctx.service, ctx.tokens.get());
  ctx.tokens.set(null);
  ctx.me = null;
}

/**
 * Makes the widget's reader the host's: a token for someone else than the reader signed in here
 * is exchanged for a session of theirs; no token (the reader logged out of the host) ends a
 * session made from the host's accounts, and leaves any other sign-in alone.
 */
export async function applyHostSignIn(ctx: WidgetContext, token: string | null): Promise<void> {
  const current = siteIdentity(ctx);
  if (!token) {
    if (current) await signOut(ctx);
    return;
  }
  if (current && current === `${ctx.site}:${subjectOf(token)}`) return;
  const res = await fetch(`${ctx.service}/auth/sso`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ site: ctx.site, token }),
    credentials: "omit",
  }).catch(() => null);
  const data = res?.ok ? ((await res.json()) as { token: string; user: ApiUser }) : null;
  if (!data) {
    // A token the service refuses signs no one in; the host's previous reader is signed out.
    if (current) await signOut(ctx);
    return;
  }
  await endSession(ctx.service, ctx.tokens.get());
  ctx.tokens.set(data.token);
  ctx.me = data.user;
}
