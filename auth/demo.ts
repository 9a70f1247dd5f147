import crypto from "node:crypto";
import type { Request, Response } from "express";
import { User, type UserDoc } from "../models/User";
import { escapeHtml } from "../server/html";
import { DEMO_SITE } from "../server/services/sites";
import { allowOpener } from "./popupPage";
import { cleanText } from "./profile";
import { signInWithProfile } from "./users";
import type { Config } from "../config";

/**
 * The "demo" provider, for trying the service without registering apps with WordPress.com,
 * Twitter or Facebook: its popup page asks for a name and signs in through the same handshake,
 * callback page and sessions as the real providers. It exists only where config.demoSignIn
 * (never in production, only on a loopback PUBLIC_URL), and only for the demo site.
 */
export const DEMO_PROVIDER_NAME = "Demo";

/** The popup's form: a name, and whether to be the demo site's moderator. */
export function sendDemoForm(res: Response, state: string, error?: string): void {
  const nonce = crypto.randomBytes(16).toString("base64");
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in to the demo</title>
<style nonce="${nonce}">
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 24rem; margin: 2rem auto; padding: 0 1rem; }
  label { display: block; margin: .75rem 0 .25rem; } input[type=text] { width: 100%; padding: .4rem; box-sizing: border-box; }
  .check { display: flex; gap: .5rem; align-items: baseline; } .check label { margin: .75rem 0; }
  .error { color: #b00020; } button { padding: .4rem 1rem; }
</style></head>
<body>
<h1>Demo sign-in</h1>
<p>This account exists only on this test service, for trying sign-in, votes, flags and moderation.</p>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ""}
<form method="post" action="/auth/demo/callback">
  <input type="hidden" name="state" value="${escapeHtml(state)}">
  <label for="name">Your name</label>
  <input type="text" id="name" name="name" maxlength="60" required autofocus>
  <p class="check"><input type="checkbox" id="moderator" name="moderator" value="1">
  <label for="moderator">Sign in as the demo site's moderator</label></p>
  <button type="submit">Sign in</button>
</form>
</body></html>
`;
  allowOpener(res);
  res
    .status(error ? 400 : 200)
    .set({
      "Content-Security-Policy": [
        "default-src 'none'",
        `style-src 'nonce-${nonce}'`,
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
      ].join("; "),
      "Cache-Control": "no-store",
      "Referrer-Policy": "no-referrer",
    })
    .type("html")
    .send(html);
}

/** The name the form sent, or null when it is empty or not text. */
export function demoName(req: Request): string | null {
  const body = req.body as Record<string, unknown> | undefined;
  return cleanText(body?.name, 60);
}

/**
 * Signs the demo account in: one user per name, the demo site's moderator when asked (and only
 * then: the role follows each sign-in's choice).
 */
export async function signInDemoUser(
  config: Config,
  name: string,
  moderator: boolean,
): Promise<UserDoc> {
  const username = name.toLowerCase().replace(/\s+/g, "-");
  const user = await signInWithProfile(config, {
    provider: "demo",
    providerId: username,
    username,
    name,
    avatarUrl: null,
    profileUrl: null,
    email: null,
  });
  const roles = moderator ? [{ site: DEMO_SITE, role: "moderator" as const }] : [];
  return (await User.findByIdAndUpdate(
    user._id,
    { $set: { roles } },
    { returnDocument: "after" },
  ).lean())!;
}
