import { errors as joseErrors, jwtVerify } from "jose";
import type { Config } from "../config";
import type { SiteDoc } from "../models/Site";
import type { UserDoc } from "../models/User";
import { UnauthenticatedError } from "../server/errors";
import { cleanEmail, cleanText, cleanUrl } from "./profile";
import { signInWithProfile } from "./users";

/** How far ahead a token's `exp` may be: a host signs one per page view, not a long-lived key. */
export const SSO_MAX_LIFETIME_SECONDS = 3600;
/** Clocks of the host and of this service may disagree by this much. */
export const SSO_CLOCK_SKEW_SECONDS = 60;

/**
 * Verifies a host site's token for its reader and signs that reader in: HS256 only, with the
 * site's own secret, `sub`, `name` and `exp` required and `exp` at most an hour ahead. The
 * identity is `sso:<site>:<sub>`, so two sites' readers with one `sub` stay two users. Any
 * failure is the same 401: the caller learns nothing about which check failed.
 */
export async function signInWithSsoToken(
  config: Config,
  site: SiteDoc,
  token: string,
): Promise<UserDoc> {
  if (!site.sso) throw new UnauthenticatedError("This site does not use single sign-on.");
  let claims: Record<string, unknown>;
  try {
    const verified = await jwtVerify(token, new TextEncoder().encode(site.sso.secret), {
      algorithms: ["HS256"],
      clockTolerance: SSO_CLOCK_SKEW_SECONDS,
      requiredClaims: ["exp", "sub"],
    });
    claims = verified.payload as Record<string, unknown>;
  } catch (err) {
    if (err instanceof joseErrors.JOSEError || err instanceof TypeError)
      throw new UnauthenticatedError("The single sign-on token is invalid or expired.");
    throw err;
  }
  const now = Math.floor(Date.now() / 1000);
  if (
    typeof claims.exp !== "number" ||
    claims.exp > now + SSO_MAX_LIFETIME_SECONDS + SSO_CLOCK_SKEW_SECONDS
  ) {
    throw new UnauthenticatedError("The single sign-on token must expire within an hour.");
  }
  const sub = cleanText(claims.sub, 200);
  const name = cleanText(claims.name, 200);
  if (!sub || !name)
    throw new UnauthenticatedError("The single sign-on token must name its reader (sub, name).");
  const username = `${site._id}:${sub}`;
  return signInWithProfile(config, {
    provider: "sso",
    providerId: username,
    username,
    name,
    avatarUrl: cleanUrl(claims.avatar),
    profileUrl: cleanUrl(claims.url),
    email: cleanEmail(claims.email),
  });
}
