import http from "node:http";
import { ConfigError, loadConfig, type Config } from "../config";
import "../models";
import { createApp } from "./app";
import { connectDatabase, disconnectDatabase, EMBEDDED_DATABASE } from "./database";
import { startEmbeddedEngine, type EmbeddedEngine } from "./engine";
import { startDemoServer } from "./demoPage";
import { DomainEvents } from "./events";
import { fastReads } from "./fastReads";
import { deferredWritesDone } from "./services/commentStatus";
import { measureFastRead } from "./metrics";
import { createLogger } from "./logger";
import { akismetSpamCheck } from "./moderation/akismet";
import { PostRateLimiter, SignInRateLimiter } from "./rateLimit";
import { connectReadCacheDrops, ReadCache } from "./readCache";
import { attachRealtime } from "./realtime";
import { connectRedisAdapter } from "./realtime/redis";
import { ensureDemoSite } from "./services/sites";

/** Starts the service: the engine if needed, the database, then HTTP. Returns a stop function. */
export async function start(config: Config) {
  const logger = createLogger(config.logLevel);
  let engine: EmbeddedEngine | null = null;
  let uri = config.mongodbUri;
  if (!uri) {
    logger.info(
      { dataDir: config.dataDir },
      "starting the embedded database engine (FerretDB on PostgreSQL)",
    );
    engine = await startEmbeddedEngine({
      binary: config.ferretdbBin,
      dataDir: config.dataDir,
      postgresBinDir: config.postgresBinDir,
      advertise: true,
      onLog: (line) => logger.debug({ engine: line }),
      // Requests answer 503 meanwhile; the supervisor starts the process again on its port.
      onRestart: (e) =>
        e.phase === "died"
          ? logger.error(
              { process: e.process, detail: e.detail },
              "engine process died; restarting",
            )
          : logger.warn({ process: e.process, detail: e.detail }, "engine process back"),
    });
    uri = engine.uri;
  }
  try {
    await connectDatabase(
      uri,
      config.mongodbUri ? undefined : EMBEDDED_DATABASE,
      engine?.postgresUrl,
    );
  } catch (err) {
    await engine?.stop();
    throw err;
  }
  // The demo article on a second origin, which the demo site must allow to embed it.
  const demo = config.demoPort >= 0 ? await startDemoServer(config, config.demoPort) : null;
  await ensureDemoSite(
    demo ? { ...config, demoOrigins: [...config.demoOrigins, demo.origin] } : config,
  );

  const events = new DomainEvents();
  // One Redis connection carries socket.io events and post counters between instances.
  const redis = config.redisUrl ? await connectRedisAdapter(config.redisUrl, logger) : null;
  const readCache = ReadCache.ofSize(config.readCacheMb);
  readCache.listen(events);
  const closeCacheDrops = redis ? connectReadCacheDrops(readCache, redis.pub, logger) : null;
  // The admin command's import wrote threads behind this process's back: forget cached pages.
  process.on("SIGUSR2", () => {
    readCache.clear();
    logger.info("read cache cleared (SIGUSR2)");
  });
  const app = createApp({
    config,
    logger,
    events,
    readCache,
    postLimiter: new PostRateLimiter(config.postsPerMinute, redis?.pub),
    signInLimiter: new SignInRateLimiter(config.signInsPerMinute, redis?.pub),
    spamCheck: config.akismet
      ? akismetSpamCheck({ ...config.akismet, blogUrl: config.publicUrl, logger })
      : undefined,
  });
  // Anonymous reads the cache answered before skip express (server/fastReads.ts).
  const fast = fastReads(readCache);
  // Requests being answered: a shutdown lets them finish before the database goes.
  let inFlight = 0;
  const server = http.createServer((req, res) => {
    inFlight++;
    res.once("close", () => inFlight--);
    const startedAt = process.hrtime.bigint();
    if (fast(req, res)) measureFastRead(req, res, startedAt);
    else app(req, res);
  });
  // Live updates share the HTTP server; with REDIS_URL, events fan out across instances.
  const realtime = attachRealtime(server, { config, logger, events, adapter: redis?.adapter });
  await new Promise<void>((resolve) => server.listen(config.port, resolve));
  logger.info({ url: config.publicUrl }, `comments service listening at ${config.publicUrl}`);
  if (demo) logger.info({ url: `${demo.origin}/` }, `demo article at ${demo.origin}/`);

  let stopping: Promise<void> | null = null;
  return {
    server,
    realtime,
    events,
    readCache,
    stop() {
      stopping ??= (async () => {
        // Disconnects the sockets (which would hold server.close open) and closes the server.
        await realtime.close();
        closeCacheDrops?.();
        await redis?.close();
        await demo?.close();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        // Closing socket.io closed the server already, so that close did not wait: requests in
        // flight finish here (their connections are cut after 5 s by the SIGTERM handler).
        for (let waited = 0; inFlight > 0 && waited < 6000; waited += 20) {
          await new Promise((r) => setTimeout(r, 20));
        }
        // Approval counts that posts left to write after answering go out before the database.
        await deferredWritesDone();
        await disconnectDatabase();
        await engine?.stop();
      })();
      return stopping;
    },
  };
}

if (require.main === module) {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  start(config).then(
    (svc) => {
      const shutdown = () => {
        // Idle keep-alive connections close now; requests in flight get a few seconds to finish
        // before their connections are cut, so none is answered by a closed database.
        svc.server.closeIdleConnections();
        setTimeout(() => svc.server.closeAllConnections(), 5000).unref();
        svc.stop().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once("SIGTERM", shutdown);
      process.once("SIGINT", shutdown);
    },
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
