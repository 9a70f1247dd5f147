import type { Types } from "mongoose";
import { Ban, banTargets, type BanDoc } from "../../models/Ban";
import { forReads } from "../database";
import { normalizeIp } from "../validation";

/**
 * Every post asks whether its author is banned, by user, email and IP: each instance keeps what
 * one identity's lookup found for a few seconds. A ban made or lifted through the API forgets the
 * site's lookups at once here, and on the other instances through the read cache's drops
 * (server/readCache.ts); a ban written straight into the database applies within BAN_TTL_MS.
 */
const BAN_TTL_MS = 10_000;
const lookups = new Map<string, { bans: Promise<BanDoc[]>; at: number }>();

function bansOf(target: string): Promise<BanDoc[]> {
  const kept = lookups.get(target);
  if (kept && Date.now() - kept.at < BAN_TTL_MS) return kept.bans;
  // One identity's bans per lookup, on the read pool: never the site's every ban.
  const bans = forReads(Ban).find({ targets: target }).lean<BanDoc[]>().exec();
  if (lookups.size >= 10_000) lookups.delete(lookups.keys().next().value!);
  const entry = { bans, at: Date.now() };
  lookups.set(target, entry);
  bans.catch(() => {
    if (lookups.get(target) === entry) lookups.delete(target);
  });
  return bans;
}

/** Forgets the kept lookups of a site (after one of its bans was made or lifted). */
export function forgetBans(site: string): void {
  const prefix = `${site}|`;
  for (const target of [...lookups.keys()]) if (target.startsWith(prefix)) lookups.delete(target);
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
