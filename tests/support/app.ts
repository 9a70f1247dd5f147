import pino from "pino";
import { loadConfig, type Config } from "../../config";
import { createApp } from "../../server/app";
import { DomainEvents } from "../../server/events";
import { PostRateLimiter } from "../../server/rateLimit";
import { ReadCache } from "../../server/readCache";

/** The real app with a test configuration; env entries override the defaults. */
export function makeApp(
  env: Record<string, string> = {},
  extra: { config?: Partial<Config> } = {},
) {
  const config = {
    ...loadConfig({ LOG_LEVEL: "silent", POSTS_PER_MINUTE: "0", SIGN_INS_PER_MINUTE: "0", ...env }),
    ...extra.config,
  };
  const events = new DomainEvents();
  const logger = pino({ level: "silent" });
  const readCache = new ReadCache();
  readCache.listen(events);
  const app = createApp({
    config,
    logger,
    events,
    readCache,
    postLimiter: new PostRateLimiter(config.postsPerMinute),
  });
  return { app, config, events, logger, readCache };
}
