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
  // The adapter publishes without handling a failure, and a rejected publish (Redis down, or a
  // late emit after close) would end the process. Cross-instance delivery is lost for that
  // event only: local sockets got it, and the thread's log keeps it for replay.
  const publish = pub.publish.bind(pub) as (channel: string, message: string) => Promise<number>;
  pub.publish = ((channel: string, message: string) =>
    publish(channel, message).catch((err: Error) => {
      logger.warn({ err: err.message }, "redis publish failed");
      return 0;
    })) as typeof pub.publish;
  return {
    pub,
    // Reader counts ask the other instances; one that does not answer within a second is skipped.
    adapter: createAdapter(pub, sub, { key: "comments#socket.io", requestsTimeout: 1000 }),
    async close() {
      // QUIT waits for Redis; a Redis that is down must not hold up a shutdown.
      const quit = Promise.allSettled([pub.quit(), sub.quit()]);
      await Promise.race([quit, new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
      pub.disconnect();
      sub.disconnect();
    },
  };
}
