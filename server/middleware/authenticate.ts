import type { NextFunction, Request, Response } from "express";
import { resolveToken } from "../../auth/sessions";
import { ForbiddenError, UnauthenticatedError } from "../errors";
import type { Viewer } from "../policies";
import { normalizeIp } from "../validation";

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      viewer: Viewer;
    }
  }
}

export const SESSION_COOKIE = "cs_session";

/** The token of a request: the Authorization header first, then the same-site cookie. */
export function requestToken(req: Request): { token: string; from: "header" | "cookie" } | null {
  const header = req.get("authorization");
  if (header) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return m ? { token: m[1]!, from: "header" } : { token: "", from: "header" };
  }
  const cookie = (req.cookies as Record<string, unknown> | undefined)?.[SESSION_COOKIE];
  return typeof cookie === "string" && cookie ? { token: cookie, from: "cookie" } : null;
}

/**
 * Sets req.viewer. A bad bearer token is a 401 (the client must sign in again); a stale cookie is
 * ignored, so a page with an old cookie can still read.
 */
export async function authenticate(req: Request, _res: Response, next: NextFunction) {
  const found = requestToken(req);
  req.viewer = { user: null, sessionId: null, ip: normalizeIp(req.ip) };
  if (!found) return next();
  const session = found.token ? await resolveToken(found.token) : null;
  if (!session) {
    if (found.from === "header")
      throw new UnauthenticatedError("The session token is invalid, expired or revoked.");
    return next();
  }
  req.viewer = { user: session.user, sessionId: session.sessionId, ip: normalizeIp(req.ip) };
  next();
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * CSRF: the session cookie is sent by the browser whatever page makes the request, so a change it
 * authenticates must come from the service's own pages (/admin). Browsers send Origin with every
 * cross-origin write, and Sec-Fetch-Site where Origin is left out; a client that sends neither is
 * not a browser on someone else's page. Bearer tokens are never ambient and need no such check.
 */
export function refuseCrossSiteCookieWrites(publicOrigin: string) {
  return (req: Request, _res: Response, next: NextFunction) => {
    if (SAFE_METHODS.has(req.method) || requestToken(req)?.from !== "cookie") return next();
    const origin = req.get("origin");
    const site = req.get("sec-fetch-site");
    const sameOrigin =
      origin !== undefined ? origin === publicOrigin : !site || site === "same-origin";
    if (!sameOrigin)
      throw new ForbiddenError(
        "A change signed in by the session cookie must come from the service's own pages.",
      );
    next();
  };
}

/** 401 unless signed in. */
export function requireSignIn(req: Request, _res: Response, next: NextFunction) {
  if (!req.viewer?.user) throw new UnauthenticatedError();
  next();
}
