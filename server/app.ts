import compression from "compression";
import cookieParser from "cookie-parser";
import express, { type Express } from "express";
import helmet from "helmet";
import type { Logger } from "pino";
import type { Config } from "../config";
import { authRouter } from "../routes/auth";
import { commentsRouter } from "../routes/comments";
import { healthRouter } from "../routes/health";
import { importsRouter, isImportUpload } from "../routes/imports";
import { personalDataRouter } from "../routes/personalData";
import { meRouter } from "../routes/me";
import { moderationRouter } from "../routes/moderation";
import { threadsRouter } from "../routes/threads";
import { embedRouter } from "../routes/embed";
import { demoArticlePage } from "./demoPage";
import type { DomainEvents } from "./events";
import { authenticate, refuseCrossSiteCookieWrites } from "./middleware/authenticate";
import { siteCors } from "./middleware/cors";
import {
  errorHandler,
  refuseOperatorQueryKeys,
  requireDatabase,
  requireJsonBody,
} from "./middleware/errors";
import { NotFoundError } from "./errors";
import { SignInRateLimiter, type PostRateLimiter } from "./rateLimit";
import { measureRequests, metricsEndpoint } from "./metrics";
import { ReadCache } from "./readCache";
import type { SpamCheck } from "./services/commentCreator";
import { widgetAssets, type WidgetAssets } from "./widgetAssets";

export interface AppDeps {
  config: Config;
  logger: Logger;
  events: DomainEvents;
  postLimiter: PostRateLimiter;
  /** Sign-in attempts per IP; a process-local one from the configuration when not given. */
  signInLimiter?: SignInRateLimiter;
  spamCheck?: SpamCheck;
  /** Anonymous readers' pages; a fresh one, dropped by `events`, when not given. */
  readCache?: ReadCache;
  /** The built widget bundles; defaults to dist/widget. */
  widgetAssets?: () => WidgetAssets;
}

/** Builds the HTTP app; it does not listen, so tests and the entry point share it. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  const readCache = deps.readCache ?? new ReadCache();
  if (!deps.readCache) readCache.listen(deps.events);
  app.set("trust proxy", deps.config.trustProxy);
  // A strong validator of the bytes sent, as the contract says for every read.
  app.set("etag", "strong");
  app.disable("x-powered-by");
  app.use(measureRequests);
  app.use(helmet({ crossOriginResourcePolicy: { policy: "cross-origin" } }));
  app.use(healthRouter());
  app.get("/metrics", metricsEndpoint(deps.config.metricsToken));

  // The demo article on the service's own origin; server/main.ts also serves it from a second one.
  app.get("/", (req, res) => {
    const post = typeof req.query.post === "string" ? req.query.post : undefined;
    // The widget's sign-in popup needs its opener: helmet's COOP same-origin would cut it off.
    res.set("Cross-Origin-Opener-Policy", "same-origin-allow-popups");
    res.type("html").send(demoArticlePage(deps.config, post));
  });
  app.use(embedRouter({ config: deps.config, assets: deps.widgetAssets ?? widgetAssets() }));

  app.use(
    authRouter({
      ...deps,
      signInLimiter: deps.signInLimiter ?? new SignInRateLimiter(deps.config.signInsPerMinute),
    }),
  );

  app.use("/api", siteCors(deps.config, "GET, POST, PUT, PATCH, DELETE"));
  // Cached pages come compressed already (Content-Encoding set); this covers the rest.
  app.use("/api", compression());

  const api = express.Router();
  // An import's body is the export file itself, streamed by its route, never parsed as JSON here.
  const json = express.json({ limit: "64kb", strict: true });
  api.use((req, res, next) => (isImportUpload(req) ? next() : requireJsonBody(req, res, next)));
  api.use(refuseOperatorQueryKeys);
  api.use((req, res, next) => (isImportUpload(req) ? next() : json(req, res, next)));
  api.use(cookieParser());
  api.use(refuseCrossSiteCookieWrites(deps.config.publicOrigin));
  api.use(requireDatabase);
  api.use(authenticate);
  // What a signed-in reader gets depends on who they are: no shared cache may keep it.
  api.use((req, res, next) => {
    if (req.method !== "GET") return next();
    res.vary("Authorization");
    res.vary("Cookie");
    if (req.viewer.user) res.set("Cache-Control", "private, no-cache");
    next();
  });
  api.use(threadsRouter({ ...deps, readCache }));
  api.use(commentsRouter({ ...deps, readCache }));
  api.use(meRouter());
  api.use(moderationRouter(deps));
  api.use(importsRouter(deps));
  api.use(personalDataRouter(deps));
  api.use(() => {
    throw new NotFoundError("Endpoint");
  });
  app.use("/api/v1", api);
  app.use("/api", () => {
    throw new NotFoundError("Endpoint");
  });
  app.use(errorHandler(deps.logger));
  return app;
}
