import type { Types } from "mongoose";
import { Ban } from "../../models/Ban";
import { normalizeIp } from "../validation";

/** Whether a user, an email or an IP is under a ban on the site that has not expired or been lifted. */
export async function isBanned(
  site: string,
  who: { user?: Types.ObjectId | null; email?: string | null; ip?: string | null },
  now = new Date(),
): Promise<boolean> {
  const or: Record<string, unknown>[] = [];
  if (who.user) or.push({ user: who.user });
  if (who.email) or.push({ email: who.email.toLowerCase() });
  if (who.ip) or.push({ ip: normalizeIp(who.ip) });
  if (or.length === 0) return false;
  const ban = await Ban.findOne({
    site,
    liftedAt: null,
    $and: [{ $or: or }, { $or: [{ until: null }, { until: { $gt: now } }] }],
  }).lean();
  return ban !== null;
}
