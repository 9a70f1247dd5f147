import cookieParser from "cookie-parser";
import { Router } from "express";
import type { Logger } from "pino";
import { createStrategies } from "../auth/authenticator";
import { allowOpener } from "../auth/popupPage";
import { finishSignIn, startSignIn, type PopupFlowDeps } from "../auth/popupFlow";
import { hashToken, revokeSession, sessionCookieOptions } from "../auth/sessions";
import type { Config } from "../config";
import { PROVIDERS, type Provider } from "../models/Site";
import { ForbiddenError, NotFoundError } from "../server/errors";
import type { DomainEvents } from "../server/events";
import { SESSION_COOKIE, requestToken } from "../server/middleware/authenticate";
import { requireDatabase } from "../server/middleware/errors";
import { allowedOrigins, getSite, siteProviders } from "../server/services/sites";
import { parse } from "../server/validation";
import { providersQuery, startQuery } from "./auth.schema";
import { publicCors } from "../server/middleware/cors";

export interface AuthRoutesDeps {
  config: Config;
  logger: Logger;
  events: DomainEvents;
}

const PROVIDER_NAMES: Record<Provider, string> = {
  wordpress: "WordPress.com",
  twitter: "Twitter",
  facebook: "Facebook",
};

// The providers list and logout are called cross-origin by pages that use the API directly.
const cors = publicCors("GET, POST");

/** Sign-in popups, the providers a site offers, and logout. Mounted on the root app. */
export function authRouter(deps: AuthRoutesDeps): Router {
  const flow: PopupFlowDeps = { ...deps, strategies: createStrategies(deps.config) };
  const router = Router();

  /** A provider that is configured, or a 404: an unconfigured one does not exist here. */
  const configuredProvider = (name: string | undefined): Provider => {
    const provider = PROVIDERS.find((p) => p === name);
    if (!provider || !flow.strategies.enabled.includes(provider))
      throw new NotFoundError("Sign-in provider");
    return provider;
  };

  router.use("/auth/providers", cors);
  router.use("/auth/logout", cors);
  router.use("/auth", requireDatabase);
  // The session cookie (logout) and the cs_auth cookie that ties a handshake to its browser.
  router.use("/auth", cookieParser());

  router.get("/auth/providers", async (req, res) => {
    const { site } = parse(providersQuery, req.query, "query");
    const providers = siteProviders(await getSite(site), deps.config);
    res.json(providers.map((id) => ({ id, name: PROVIDER_NAMES[id] })));
  });

  router.post("/auth/logout", async (req, res) => {
    const found = requestToken(req);
    if (found?.token) {
      const revoked = await revokeSession(hashToken(found.token));
      // The live-updates layer drops this session's sockets on this event.
      if (revoked) deps.events.publish("session.revoked", revoked);
    }
    const { maxAge: _maxAge, ...cookie } = sessionCookieOptions(deps.config);
    res.clearCookie(SESSION_COOKIE, cookie);
    res.status(204).end();
  });

  router.get("/auth/:provider", async (req, res) => {
    const provider = configuredProvider(req.params.provider);
    const { site: slug, origin } = parse(startQuery, req.query, "query");
    const site = await getSite(slug);
    if (!siteProviders(site, deps.config).includes(provider))
      throw new NotFoundError("Sign-in provider");
    // Refused before the provider is contacted: only a checked origin ever receives a token.
    if (!allowedOrigins(site, deps.config).includes(origin))
      throw new ForbiddenError("This origin may not sign in to this site.");
    allowOpener(res);
    await startSignIn(flow, provider, { site: site._id, origin }, req, res);
  });

  router.get("/auth/:provider/callback", async (req, res) => {
    const provider = configuredProvider(req.params.provider);
    await finishSignIn(flow, provider, req, res);
  });

  router.use("/auth", () => {
    throw new NotFoundError("Endpoint");
  });
  return router;
}
