import type { NextFunction, Request, Response } from "express";
import type { Logger } from "pino";
import type { Config } from "../config";
import type { AuthStateDoc } from "../models/AuthState";
import type { Provider, SignInProvider } from "../models/Site";
import type { UserDoc } from "../models/User";
import type { SignInStrategies } from "./authenticator";
import { SignInError } from "./errors";
import { bindBrowser, claimHandshake, claimedHandshake } from "./handshakes";
import { errorMessage, sendPopupPage } from "./popupPage";
import { presentUser } from "./presentUser";
import { createSession, sessionCookieOptions } from "./sessions";
import { SESSION_COOKIE } from "../server/middleware/authenticate";

export interface PopupFlowDeps {
  config: Config;
  logger: Logger;
  strategies: SignInStrategies;
}

interface Outcome {
  err: unknown;
  user: UserDoc | false | null | undefined;
}

/** Runs a strategy with a callback, so passport never redirects or answers on its own. */
function runStrategy(
  deps: PopupFlowDeps,
  provider: Provider,
  options: Record<string, unknown>,
  req: Request,
  res: Response,
): Promise<Outcome> {
  return new Promise((resolve) => {
    const middleware = deps.strategies.authenticator.authenticate(
      provider,
      // passport's types allow `state` only as a string; an object reaches our state store.
      { session: false, ...options },
      (err: unknown, user: UserDoc | false | null | undefined) => resolve({ err, user }),
    ) as (req: Request, res: Response, next: NextFunction) => void;
    middleware(req, res, (err?: unknown) => resolve({ err, user: null }));
  });
}

function asSignInError(err: unknown, fallback: SignInError["code"]): SignInError {
  if (err instanceof SignInError) return err;
  // What is not ours came from a strategy talking to the provider: a refused code, a 500, garbage.
  return new SignInError(fallback, { cause: err });
}

/** Name, message and status of an error, never its data: provider bodies may carry secrets. */
function loggable(err: unknown) {
  const e = err as {
    name?: string;
    message?: string;
    cause?: unknown;
    oauthError?: { statusCode?: number };
  };
  return {
    name: e?.name,
    message: e?.message,
    providerStatus: e?.oauthError?.statusCode,
    cause: e?.cause instanceof Error ? { name: e.cause.name, message: e.cause.message } : undefined,
  };
}

/**
 * GET /auth/:provider, after the route checked site, provider and origin: stores the handshake
 * and redirects to the provider. When the provider cannot be reached (OAuth 1.0a asks it for a
 * request token first), the checked origin is told at once.
 */
export async function startSignIn(
  deps: PopupFlowDeps,
  provider: Provider,
  checked: { site: string; origin: string },
  req: Request,
  res: Response,
): Promise<void> {
  const binding = { ...checked, browser: bindBrowser(req, res, deps.config.production) };
  const { err } = await runStrategy(deps, provider, { state: binding }, req, res);
  if (res.headersSent) return;
  const failure = asSignInError(err, "provider_error");
  deps.logger.warn({ provider, code: failure.code, err: loggable(err) }, "sign-in start failed");
  sendPopupPage(res, errorMessage(failure), binding.origin);
}

/** The query parameter that names the handshake in a provider's redirect back to us. */
function handshakeHandle(provider: Provider, req: Request): unknown {
  const q = req.query as Record<string, unknown>;
  return provider === "twitter" ? (q.oauth_token ?? q.denied) : q.state;
}

/** Whether the provider's redirect carries an answer (a grant or a refusal) at all. */
function hasAnswer(provider: Provider, req: Request): boolean {
  const q = req.query as Record<string, unknown>;
  return provider === "twitter"
    ? q.oauth_token !== undefined || q.denied !== undefined
    : q.code !== undefined || q.error !== undefined || q.error_code !== undefined;
}

/**
 * The end every sign-in shares: a session for the user, its cookie for same-site pages, and the
 * page that posts the token to the handshake's checked origin.
 */
export async function completeSignIn(
  deps: Pick<PopupFlowDeps, "config" | "logger">,
  provider: SignInProvider,
  user: UserDoc,
  handshake: AuthStateDoc,
  res: Response,
): Promise<void> {
  const token = await createSession(user._id, deps.config.sessionTtlSeconds);
  const message = { type: "comments:auth" as const, token, user: await presentUser(user) };
  res.cookie(SESSION_COOKIE, token, sessionCookieOptions(deps.config));
  deps.logger.info({ provider, userId: user._id.toHexString(), site: handshake.site }, "signed in");
  sendPopupPage(res, message, handshake.origin);
}

/**
 * GET /auth/:provider/callback: verifies the handshake, signs the user in and answers the page
 * that posts the token to the checked origin. Every failure answers the same page with an error
 * code; without a valid handshake the only safe target is the service's own origin.
 */
export async function finishSignIn(
  deps: PopupFlowDeps,
  provider: Provider,
  req: Request,
  res: Response,
): Promise<void> {
  let outcome: Outcome;
  if (hasAnswer(provider, req)) {
    outcome = await runStrategy(deps, provider, {}, req, res);
    if (res.headersSent) return;
  } else {
    // Without one, passport would take this for the start of a sign-in and redirect again.
    outcome = { err: new SignInError("invalid_request"), user: null };
  }

  let handshake: AuthStateDoc | null | undefined = claimedHandshake(req);
  if (!handshake) {
    // Refusals (error=access_denied, denied=…) never reach the state store: claim it here, both
    // to learn where to answer and so the state cannot be used again.
    handshake = await claimHandshake(req, provider, handshakeHandle(provider, req)).catch(
      () => null,
    );
  }

  if (outcome.user && handshake) {
    try {
      await completeSignIn(deps, provider, outcome.user, handshake, res);
      return;
    } catch (err) {
      // The opener is still told, rather than left waiting on an error page in the popup.
      outcome = { err: new SignInError("internal_error", { cause: err }), user: null };
    }
  }

  const failure = !handshake
    ? new SignInError("invalid_state")
    : outcome.err
      ? asSignInError(outcome.err, "provider_error")
      : // A strategy's fail() without an error: the user refused at the provider.
        new SignInError("access_denied");
  deps.logger.warn(
    { provider, code: failure.code, site: handshake?.site, err: loggable(outcome.err) },
    "sign-in failed",
  );
  sendPopupPage(res, errorMessage(failure), handshake?.origin ?? deps.config.publicOrigin);
}
