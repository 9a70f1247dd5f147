import crypto from "node:crypto";
import type { Request, Response } from "express";
import { AuthState, type AuthStateDoc } from "../models/AuthState";
import type { SignInProvider } from "../models/Site";
import { SignInError } from "./errors";
import { hashToken, matchesHash } from "./sessions";

/** How long a user has to finish at the provider before the handshake is refused. */
export const HANDSHAKE_TTL_MS = 10 * 60_000;

/** The cookie that ties a handshake to the browser that started it. */
export const BROWSER_COOKIE = "cs_auth";

/**
 * What the start of a sign-in binds to its state: the site, the opener's checked origin, and
 * (hashed) the browser's cs_auth cookie.
 */
export interface HandshakeBinding {
  site: string;
  origin: string;
  browser: string;
}

function browserCookie(req: Request): string | null {
  const value = (req.cookies as Record<string, unknown> | undefined)?.[BROWSER_COOKIE];
  return typeof value === "string" && /^[A-Za-z0-9_-]{22,64}$/.test(value) ? value : null;
}

/**
 * Gives the popup's browser a random cs_auth cookie (kept if it has one, so two popups at once
 * both work) and returns its hash for the handshake. The popup is a top-level window on our
 * origin and the provider sends it back with a top-level GET, so SameSite=Lax carries it.
 */
export function bindBrowser(req: Request, res: Response, secure: boolean): string {
  const value = browserCookie(req) ?? crypto.randomBytes(24).toString("base64url");
  res.cookie(BROWSER_COOKIE, value, {
    httpOnly: true,
    secure,
    sameSite: "lax",
    path: "/auth",
    maxAge: HANDSHAKE_TTL_MS,
  });
  return hashToken(value);
}

type Done<T extends unknown[]> = (err: Error | null, ...rest: T) => void;

/** Handshakes claimed while handling a callback, so a failure can still answer the right origin. */
const claimed = new WeakMap<Request, AuthStateDoc>();

export function claimedHandshake(req: Request): AuthStateDoc | undefined {
  return claimed.get(req);
}

/** States we issue are base64url; providers' request tokens are URL-safe too. Anything else
 * (arrays from repeated parameters, NULs the engine refuses) is not looked up at all. */
function isHandle(value: unknown): value is string {
  return typeof value === "string" && /^[A-Za-z0-9._~-]{1,512}$/.test(value);
}

async function storeHandshake(
  id: string,
  provider: SignInProvider,
  binding: HandshakeBinding,
  secret: string | null,
): Promise<void> {
  const now = Date.now();
  // Expired handshakes are swept here rather than by a TTL index, which not every engine honours.
  await AuthState.deleteMany({ expiresAt: { $lt: new Date(now) } });
  await AuthState.create({
    _id: id,
    provider,
    site: binding.site,
    origin: binding.origin,
    browser: binding.browser,
    secret,
    expiresAt: new Date(now + HANDSHAKE_TTL_MS),
  });
}

/** Stores a handshake under a fresh random state (OAuth 2, the demo popup) and returns it. */
export async function newHandshake(
  provider: SignInProvider,
  binding: HandshakeBinding,
): Promise<string> {
  const id = crypto.randomBytes(32).toString("base64url");
  await storeHandshake(id, provider, binding, null);
  return id;
}

/**
 * Takes a handshake out of the store: one atomic delete, so a state or request token works once,
 * whichever instance the callback reaches. Null when unknown, expired, for another provider, or
 * completed in a browser other than the one that started it.
 */
export async function claimHandshake(
  req: Request,
  provider: SignInProvider,
  handle: unknown,
): Promise<AuthStateDoc | null> {
  const already = claimed.get(req);
  if (already) return already._id === handle && already.provider === provider ? already : null;
  if (!isHandle(handle)) return null;
  const doc = await AuthState.findOneAndDelete({ _id: handle }).lean();
  if (!doc || doc.provider !== provider || doc.expiresAt.getTime() <= Date.now()) return null;
  const browser = browserCookie(req);
  if (!browser || !matchesHash(browser, doc.browser)) return null;
  claimed.set(req, doc);
  return doc;
}

const invalidState = { code: "invalid_state" as const, message: "Invalid or expired state." };

function binding(state: unknown): HandshakeBinding {
  const b = state as Partial<HandshakeBinding> | undefined;
  if (!b || typeof b.site !== "string" || typeof b.origin !== "string" || !b.browser) {
    // Only our own routes start a handshake, always with a binding; anything else is a bug.
    throw new SignInError("internal_error");
  }
  return { site: b.site, origin: b.origin, browser: b.browser };
}

function wrap(err: unknown): SignInError {
  return err instanceof SignInError ? err : new SignInError("internal_error", { cause: err });
}

/**
 * passport-oauth2's state store, kept in the database. The methods keep passport's four-argument
 * forms: passport picks the signature it calls by the function's arity.
 */
export class OAuth2StateStore {
  constructor(private readonly provider: SignInProvider) {}

  store(_req: Request, state: unknown, _meta: unknown, done: Done<[string?]>): void {
    Promise.resolve()
      .then(() => newHandshake(this.provider, binding(state)))
      .then(
        (id) => done(null, id),
        (err: unknown) => done(wrap(err)),
      );
  }

  verify(
    req: Request,
    providedState: unknown,
    _meta: unknown,
    done: Done<[boolean, (AuthStateDoc | typeof invalidState)?]>,
  ): void {
    claimHandshake(req, this.provider, providedState).then(
      (doc) => (doc ? done(null, true, doc) : done(null, false, invalidState)),
      (err: unknown) => done(wrap(err), false),
    );
  }
}

/**
 * passport-oauth1's request-token store, kept in the database: the request token's secret and the
 * binding, under the request token. `get` claims it, so a replayed callback finds nothing.
 */
export class OAuth1RequestTokenStore {
  constructor(private readonly provider: SignInProvider) {}

  get(
    req: Request,
    token: unknown,
    _meta: unknown,
    done: Done<[(string | false)?, (AuthStateDoc | typeof invalidState)?]>,
  ): void {
    claimHandshake(req, this.provider, token).then(
      (doc) => (doc?.secret ? done(null, doc.secret, doc) : done(null, false, invalidState)),
      (err: unknown) => done(wrap(err)),
    );
  }

  set(
    _req: Request,
    token: string,
    tokenSecret: string,
    state: unknown,
    _meta: unknown,
    done: Done<[]>,
  ): void {
    Promise.resolve()
      .then(() => {
        if (!isHandle(token) || typeof tokenSecret !== "string" || !tokenSecret) {
          throw new SignInError("provider_error");
        }
        return storeHandshake(token, this.provider, binding(state), tokenSecret);
      })
      .then(
        () => done(null),
        (err: unknown) => done(wrap(err)),
      );
  }

  /** Nothing left to remove: `get` already took the handshake out. */
  destroy(_req: Request, _token: unknown, _meta: unknown, done: Done<[]>): void {
    done(null);
  }
}
