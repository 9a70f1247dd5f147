import type { Types } from "mongoose";
import { Ban, banTargets } from "../../models/Ban";
import { forReads } from "../database";
import { normalizeIp } from "../validation";

/** Whether a user, an email or an IP is under a ban on the site that has not expired or been lifted. */
export async function isBanned(
  site: string,
  who: { user?: Types.ObjectId | null; email?: string | null; ip?: string | null },
  now = new Date(),
): Promise<boolean> {
  const targets = banTargets(site, { ...who, ip: normalizeIp(who.ip) });
  // One identity's bans per lookup, on the read pool: never the site's every ban.
  const bans = forReads(Ban);
  const found = await Promise.all(targets.map((t) => bans.find({ targets: t }).lean()));
  return found.some((list) =>
    list.some((b) => b.site === site && !b.liftedAt && (!b.until || b.until > now)),
  );
}
