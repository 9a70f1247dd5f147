import crypto from "node:crypto";
import type { CookieOptions } from "express";
import type { Types } from "mongoose";
import type { Config } from "../config";
import { Session } from "../models/Session";
import { User, type UserDoc } from "../models/User";

export function hashToken(token: string): string {
  return crypto.createHash("sha256").update(token).digest("hex");
}

/** Whether a secret matches a stored hash of one, compared in constant time. */
export function matchesHash(secret: string, storedHash: string): boolean {
  const given = Buffer.from(hashToken(secret), "hex");
  const stored = Buffer.from(storedHash, "hex");
  return given.length === stored.length && crypto.timingSafeEqual(given, stored);
}

/** Creates a session and returns its token: 256 random bits, shown once, stored only hashed. */
export async function createSession(userId: Types.ObjectId, ttlSeconds: number): Promise<string> {
  const token = crypto.randomBytes(32).toString("base64url");
  const now = new Date();
  await Session.create({
    _id: hashToken(token),
    user: userId,
    expiresAt: new Date(now.getTime() + ttlSeconds * 1000),
    lastSeenAt: now,
  });
  return token;
}

export interface ResolvedSession {
  sessionId: string;
  user: UserDoc;
}

// lastSeenAt is written at most this often, so reads do not turn into writes.
const LAST_SEEN_GRANULARITY_MS = 60_000;

/** The live session and user behind a token, or null when unknown, expired or revoked. */
export async function resolveToken(token: string): Promise<ResolvedSession | null> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return null;
  const id = hashToken(token);
  const session = await Session.findById(id).lean();
  if (!session || session.revokedAt || session.expiresAt.getTime() <= Date.now()) return null;
  const user = await User.findById(session.user).lean();
  if (!user) return null;
  if (Date.now() - session.lastSeenAt.getTime() > LAST_SEEN_GRANULARITY_MS) {
    await Session.updateOne({ _id: id }, { $set: { lastSeenAt: new Date() } });
  }
  return { sessionId: id, user };
}

/**
 * Revokes one session at once. Returns the session and its user when this call revoked it, or
 * null when it was unknown or already revoked, so the caller announces a revocation only once.
 */
export async function revokeSession(
  sessionId: string,
): Promise<{ sessionId: string; userId: string } | null> {
  const revoked = await Session.findOneAndUpdate(
    { _id: sessionId, revokedAt: null },
    { $set: { revokedAt: new Date() } },
  ).lean();
  return revoked ? { sessionId, userId: revoked.user.toHexString() } : null;
}

/**
 * The cs_session cookie: for same-site pages such as /admin. HttpOnly so page scripts never read
 * it, Lax so cross-site POSTs do not carry it, Secure in production.
 */
export function sessionCookieOptions(config: Config): CookieOptions {
  return {
    httpOnly: true,
    secure: config.production,
    sameSite: "lax",
    path: "/",
    maxAge: config.sessionTtlSeconds * 1000,
  };
}
