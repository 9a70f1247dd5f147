import type { Types } from "mongoose";
import { Ban, banTargets, type BanDoc } from "../../models/Ban";
import { forReads } from "../database";
import { KeptFor } from "./keptFor";
import { normalizeIp } from "../validation";

/**
 * Every post asks whether its author is banned, by user, email and IP: each instance keeps what
 * one identity's lookup found for a few seconds. A ban made or lifted through the API forgets the
 * site's lookups at once here, and on the other instances through the read cache's drops
 * (server/readCache.ts); a ban written straight into the database applies within BAN_TTL_MS.
 */
const BAN_TTL_MS = 10_000;
const lookups = new KeptFor<Promise<BanDoc[]>>(BAN_TTL_MS);

function bansOf(target: string): Promise<BanDoc[]> {
  const kept = lookups.get(target);
  if (kept) return kept;
  // One identity's bans per lookup, on the read pool: never the site's every ban.
  const bans = forReads(Ban).find({ targets: target }).lean<BanDoc[]>().exec();
  lookups.set(target, bans);
  bans.catch(() => lookups.delete(target, bans));
  return bans;
}

/** Forgets the kept lookups of a site (after one of its bans was made or lifted). */
export function forgetBans(site: string): void {
  lookups.deletePrefix(`${site}|`);
}

/** Whether a user, an email or an IP is under a ban on the site that has not expired or been lifted. */
export async function isBanned(
  site: string,
  who: { user?: Types.ObjectId | null; email?: string | null; ip?: string | null },
  now = new Date(),
): Promise<boolean> {
  const targets = banTargets(site, { ...who, ip: normalizeIp(who.ip) });
  const found = await Promise.all(targets.map(bansOf));
  return found.some((list) =>
    list.some((b) => b.site === site && !b.liftedAt && (!b.until || b.until > now)),
  );
}
