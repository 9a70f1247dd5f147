import { createAdapter } from "@socket.io/redis-adapter";
import Redis from "ioredis";
import type { Logger } from "pino";

/**
 * Connects the two Redis clients the socket.io adapter needs (one publishes, one subscribes)
 * and builds the adapter. Fails fast when Redis does not answer at start-up.
 */
export async function connectRedisAdapter(url: string, logger: Logger) {
  const pub = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3 });
  const sub = pub.duplicate();
  // ioredis reconnects by itself; an unhandled "error" event would end the process instead.
  for (const client of [pub, sub]) {
    client.on("error", (err: Error) => logger.warn({ err: err.message }, "redis error"));
  }
  await Promise.all([pub.connect(), sub.connect()]);
  return {
    pub,
    // Reader counts ask the other instances; one that does not answer within a second is skipped.
    adapter: createAdapter(pub, sub, { key: "comments#socket.io", requestsTimeout: 1000 }),
    async close() {
      await Promise.allSettled([pub.quit(), sub.quit()]);
    },
  };
}
