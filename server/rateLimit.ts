import type Redis from "ioredis";
import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from "rate-limiter-flexible";
import { RateLimitedError } from "./errors";

/** Counts posts per key (a user or a guest's IP) per minute; shared through Redis when given one. */
export class PostRateLimiter {
  private readonly limiter: RateLimiterAbstract | null;

  constructor(perMinute: number, redis?: Redis) {
    if (perMinute <= 0) {
      this.limiter = null;
      return;
    }
    const opts = { keyPrefix: "posts", points: perMinute, duration: 60 };
    // While Redis is down each instance counts on its own rather than failing every post.
    this.limiter = redis
      ? new RateLimiterRedis({
          ...opts,
          storeClient: redis,
          insuranceLimiter: new RateLimiterMemory(opts),
        })
      : new RateLimiterMemory(opts);
  }

  /** Takes one post from the key's allowance, or throws 429 with Retry-After. */
  async consume(key: string): Promise<void> {
    if (!this.limiter) return;
    try {
      await this.limiter.consume(key);
    } catch (res) {
      if (res instanceof RateLimiterRes) {
        throw new RateLimitedError(
          res.msBeforeNext / 1000,
          "You are posting too fast; wait a moment and try again.",
        );
      }
      throw res;
    }
  }
}
