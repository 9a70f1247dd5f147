import cookieParser from "cookie-parser";
import express, { type RequestHandler, Router } from "express";
import type { Logger } from "pino";
import type { SignInRateLimiter } from "../server/rateLimit";
import { createStrategies } from "../auth/authenticator";
import { DEMO_PROVIDER_NAME, demoName, sendDemoForm, signInDemoUser } from "../auth/demo";
import { bindBrowser, claimHandshake, newHandshake } from "../auth/handshakes";
import { errorMessage, sendPopupPage } from "../auth/popupPage";
import { SignInError } from "../auth/errors";
import { presentUser } from "../auth/presentUser";
import { createSession } from "../auth/sessions";
import { signInWithSsoToken } from "../auth/sso";
import { allowOpener } from "../auth/popupPage";
import { completeSignIn, finishSignIn, startSignIn, type PopupFlowDeps } from "../auth/popupFlow";
import { hashToken, revokeSession, sessionCookieOptions } from "../auth/sessions";
import type { Config } from "../config";
import { PROVIDERS, type Provider, type SignInProvider } from "../models/Site";
import { ForbiddenError, NotFoundError } from "../server/errors";
import type { DomainEvents } from "../server/events";
import { SESSION_COOKIE, requestToken } from "../server/middleware/authenticate";
import { requireDatabase, requireJsonBody } from "../server/middleware/errors";
import { allowedOrigins, DEMO_SITE, getSite, siteProviders } from "../server/services/sites";
import { parse } from "../server/validation";
import { demoForm, providersQuery, ssoBody, startQuery } from "./auth.schema";
import { siteCors } from "../server/middleware/cors";

export interface AuthRoutesDeps {
  config: Config;
  logger: Logger;
  events: DomainEvents;
  /** Sign-in starts and callbacks per client IP (SIGN_INS_PER_MINUTE). */
  signInLimiter: SignInRateLimiter;
}

const PROVIDER_NAMES: Record<Exclude<SignInProvider, "sso">, string> = {
  wordpress: "WordPress.com",
  twitter: "Twitter",
  facebook: "Facebook",
  demo: DEMO_PROVIDER_NAME,
};

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

  // The providers list, logout and SSO are called cross-origin by the sites' own pages.
  const cors = siteCors(deps.config, "GET, POST");
  router.use("/auth/providers", cors);
  router.use("/auth/logout", cors);
  router.use("/auth/sso", cors);
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

  // A host site's reader, vouched for by the site's signed token: a session like any sign-in's.
  // Every way into a session costs the client's IP one attempt: guessing SSO tokens, replaying
  // callbacks or flooding a provider with starts from one place is refused with 429.
  const limited: RequestHandler = (req, _res, next) => {
    deps.signInLimiter.consume(req.ip ?? "unknown").then(() => next(), next);
  };
  router.use("/auth/:provider", (req, res, next) =>
    ["providers", "logout"].includes(String(req.params.provider))
      ? next()
      : limited(req, res, next),
  );

  router.post("/auth/sso", requireJsonBody, express.json({ limit: "16kb" }), async (req, res) => {
    const { site: slug, token } = parse(ssoBody, req.body);
    const site = await getSite(slug);
    const user = await signInWithSsoToken(deps.config, site, token);
    const session = await createSession(user._id, deps.config.sessionTtlSeconds);
    deps.logger.info({ provider: "sso", userId: user._id.toHexString(), site: slug }, "signed in");
    res.json({ token: session, user: await presentUser(user) });
  });

  if (deps.config.demoSignIn) {
    // The demo provider: its own page in the popup stands in for a provider's login page.
    router.get("/auth/demo", async (req, res) => {
      const { site: slug, origin } = parse(startQuery, req.query, "query");
      if (slug !== DEMO_SITE) throw new NotFoundError("Sign-in provider");
      const site = await getSite(slug);
      if (!allowedOrigins(site, deps.config).includes(origin))
        throw new ForbiddenError("This origin may not sign in to this site.");
      const browser = bindBrowser(req, res, deps.config.production);
      sendDemoForm(res, await newHandshake("demo", { site: slug, origin, browser }));
    });
    router.post(
      "/auth/demo/callback",
      express.urlencoded({ extended: false, limit: "4kb" }),
      async (req, res) => {
        const form = demoForm.safeParse(req.body);
        const handshake = form.success ? await claimHandshake(req, "demo", form.data.state) : null;
        if (!handshake) {
          sendPopupPage(
            res,
            errorMessage(new SignInError("invalid_state")),
            deps.config.publicOrigin,
          );
          return;
        }
        const name = demoName(req);
        if (!name) {
          // Ask again under a new state: the one just claimed cannot be used twice.
          sendDemoForm(res, await newHandshake("demo", handshake), "Please give a name.");
          return;
        }
        const user = await signInDemoUser(deps.config, name, form.data!.moderator === "1");
        await completeSignIn(deps, "demo", user, handshake, res);
      },
    );
  }

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
