import Redis from "ioredis";
import pino from "pino";
import request from "supertest";
import { loadConfig } from "../../config";
import { createApp } from "../../server/app";
import { DomainEvents } from "../../server/events";
import { PostRateLimiter } from "../../server/rateLimit";
import { useTestDatabase } from "../support/db";
import { makeSite, makeUser } from "../support/factories";
import { startRedis, type TestRedis } from "../support/redis";

useTestDatabase();
let redis: TestRedis;
const clients: Redis[] = [];

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.quit()));
  await redis.stop();
});

/** An instance of the service with its own Redis connection, as a second process would have. */
function instance() {
  const client = new Redis(redis.url);
  clients.push(client);
  return createApp({
    config: loadConfig({ LOG_LEVEL: "silent", POSTS_PER_MINUTE: "2", REDIS_URL: redis.url }),
    logger: pino({ level: "silent" }),
    events: new DomainEvents(),
    postLimiter: new PostRateLimiter(2, client),
  });
}

describe("POSTS_PER_MINUTE with REDIS_URL", () => {
  it("counts a user's posts across instances", async () => {
    const [a, b] = [instance(), instance()];
    const site = await makeSite();
    const u = await makeUser();
    const url = `/api/v1/sites/${site._id}/threads/shared/comments`;
    await request(a).post(url).set(u.auth).send({ body: "on A" }).expect(201);
    await request(b).post(url).set(u.auth).send({ body: "on B" }).expect(201);
    const third = await request(a).post(url).set(u.auth).send({ body: "A again" });
    expect(third.status).toBe(429);
    expect(Number(third.headers["retry-after"])).toBeGreaterThan(0);
    expect((await request(b).post(url).set(u.auth).send({ body: "B again" })).status).toBe(429);
  });
});

describe("POSTS_PER_MINUTE while Redis is down", () => {
  it("keeps counting on each instance instead of failing posts", async () => {
    const down = new Redis("redis://127.0.0.1:1", {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
    });
    down.on("error", () => undefined);
    const app = createApp({
      config: loadConfig({ LOG_LEVEL: "silent", POSTS_PER_MINUTE: "1" }),
      logger: pino({ level: "silent" }),
      events: new DomainEvents(),
      postLimiter: new PostRateLimiter(1, down),
    });
    const site = await makeSite();
    const u = await makeUser();
    const url = `/api/v1/sites/${site._id}/threads/down/comments`;
    await request(app).post(url).set(u.auth).send({ body: "still works" }).expect(201);
    expect((await request(app).post(url).set(u.auth).send({ body: "too fast" })).status).toBe(429);
    down.disconnect();
  });
});
