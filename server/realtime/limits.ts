/** Per-socket limits; generous for a widget, tight enough that one socket cannot flood. */
export interface SocketLimits {
  /** Emits a socket may make per second, sustained. */
  eventsPerSecond: number;
  /** Emits a socket may make in a burst. */
  burst: number;
  /** Threads one socket may have joined at once. */
  maxThreads: number;
  /** Moderation rooms one socket may have joined at once. */
  maxModerationRooms: number;
}

export const DEFAULT_LIMITS: SocketLimits = {
  eventsPerSecond: 10,
  burst: 20,
  maxThreads: 20,
  maxModerationRooms: 5,
};

/** A token bucket kept on the socket: takes one token, or says the socket is over its limit. */
export function takeToken(
  bucket: { tokens: number; refilledAt: number },
  limits: SocketLimits,
  now = Date.now(),
): boolean {
  const refill = ((now - bucket.refilledAt) / 1000) * limits.eventsPerSecond;
  bucket.tokens = Math.min(limits.burst, bucket.tokens + refill);
  bucket.refilledAt = now;
  if (bucket.tokens < 1) return false;
  bucket.tokens -= 1;
  return true;
}
