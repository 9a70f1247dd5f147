import type Redis from "ioredis";
import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from "rate-limiter-flexible";
import { RateLimitedError } from "./errors";

/** Counts requests per key per minute; shared through Redis when given one. */
export class KeyedRateLimiter {
  private readonly limiter: RateLimiterAbstract | null;

  /** `perMinute` 0 turns the limit off; `message` is what a refused request is told. */
  constructor(
    prefix: string,
    perMinute: number,
    private readonly message: string,
    redis?: Redis,
  ) {
    if (perMinute <= 0) {
      this.limiter = null;
      return;
    }
    const opts = { keyPrefix: prefix, points: perMinute, duration: 60 };
    this.limiter = redis
      ? new RateLimiterRedis({
          ...opts,
          storeClient: redis,
          insuranceLimiter: new RateLimiterMemory(opts),
        })
      : new RateLimiterMemory(opts);
  }

  /** Takes one request from the key's allowance, or throws 429 with Retry-After. */
  async consume(key: string): Promise<void> {
    if (!this.limiter) return;
    try {
      await this.limiter.consume(key);
    } catch (res) {
      if (res instanceof RateLimiterRes)
        throw new RateLimitedError(res.msBeforeNext / 1000, this.message);
      throw res;
    }
  }
}

/** Counts posts per key (a user or a guest's IP) per minute. */
export class PostRateLimiter extends KeyedRateLimiter {
  constructor(perMinute: number, redis?: Redis) {
    super("posts", perMinute, "You are posting too fast; wait a moment and try again.", redis);
  }
}

/** Counts sign-in starts and callbacks per client IP per minute. */
export class SignInRateLimiter extends KeyedRateLimiter {
  constructor(perMinute: number, redis?: Redis) {
    super("sign-in", perMinute, "Too many sign-in attempts from here; wait a minute.", redis);
  }
}
