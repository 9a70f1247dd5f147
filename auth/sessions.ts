import crypto from "node:crypto";
import type { Types } from "mongoose";
import { Session } from "../models/Session";
import { User, type UserDoc } from "../models/User";

export function hashToken(token: string): string {
  return crypto.createHash("sha256").update(token).digest("hex");
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

/** Revokes one session at once. */
export async function revokeSession(sessionId: string): Promise<void> {
  await Session.updateOne({ _id: sessionId, revokedAt: null }, { $set: { revokedAt: new Date() } });
}
