import type { Config } from "../../config";
import {
  DEFAULT_SITE_SETTINGS,
  PROVIDERS,
  Site,
  type Provider,
  type SiteDoc,
} from "../../models/Site";
import type { ThreadDoc } from "../../models/Thread";
import { NotFoundError } from "../errors";
import { KeptFor } from "./keptFor";

export const DEMO_SITE = "demo";

/**
 * Sites are read on every request and change rarely: each instance keeps them a few seconds. A
 * change through the API forgets the site at once here, and on the other instances through the
 * read cache's drops (server/readCache.ts); an edit made straight in the database shows within
 * SITE_TTL_MS.
 */
const SITE_TTL_MS = 10_000;
const sites = new KeptFor<SiteDoc>(SITE_TTL_MS);

/** The site, or a 404. */
export async function getSite(slug: string): Promise<SiteDoc> {
  const kept = sites.get(slug);
  if (kept) return kept;
  const site = await Site.findById(slug).lean();
  if (!site) throw new NotFoundError("Site");
  sites.set(slug, site);
  return site;
}

/** Forgets a kept site (after its settings, name or origins changed). */
export function forgetSite(slug: string): void {
  sites.delete(slug);
}

/**
 * Threads a post found closed, kept a few seconds: posting checks a thread's state with the write
 * that counts the post, so without this every refused post to a closed thread would still cost
 * two writes. A thread reopened through the API is forgotten at once (the read cache's drops
 * carry that to the other instances).
 */
const closedThreads = new KeptFor<true>(SITE_TTL_MS);

export function rememberClosedThread(site: string, key: string): void {
  closedThreads.set(`${site}\u0000${key}`, true);
}

export function isKnownClosed(site: string, key: string): boolean {
  return closedThreads.get(`${site}\u0000${key}`) === true;
}

/** Forgets what was known of a thread's state (`key` undefined: every thread of the site). */
export function forgetThreadState(site: string, key?: string): void {
  if (key !== undefined) closedThreads.delete(`${site}\u0000${key}`);
  else closedThreads.deletePrefix(`${site}\u0000`);
}

/** Providers whose credentials are configured, in display order. */
export function configuredProviders(config: Config): Provider[] {
  return PROVIDERS.filter((p) => config[p] !== undefined);
}

/** Providers a site offers: configured, and enabled in the site's settings. */
export function siteProviders(site: SiteDoc, config: Config): (Provider | "demo")[] {
  const providers: (Provider | "demo")[] = configuredProviders(config).filter((p) =>
    site.settings.providers.includes(p),
  );
  // Trying it out (config.demoSignIn): the demo site also offers the demo account.
  if (config.demoSignIn && site._id === DEMO_SITE) providers.push("demo");
  return providers;
}

/** Origins that may embed the site and open its sign-in popups: its own plus the service's. */
export function allowedOrigins(site: SiteDoc, config: Config): string[] {
  return [config.publicOrigin, ...site.origins];
}

/** Closed by a moderator, or older than the site's closeAfterDays. */
export function isThreadOpen(
  thread: Pick<ThreadDoc, "open" | "createdAt">,
  site: SiteDoc,
  now = Date.now(),
): boolean {
  if (!thread.open) return false;
  const days = site.settings.closeAfterDays;
  return days === 0 || now - thread.createdAt.getTime() < days * 86_400_000;
}

/**
 * Creates the demo site on first start: guests welcome, no pre-moderation, embeddable from the
 * service's own origin and DEMO_ORIGINS. Later starts only add new origins, keeping whatever an
 * admin changed.
 */
export async function ensureDemoSite(config: Config): Promise<void> {
  const origins = [config.publicOrigin, ...config.demoOrigins];
  forgetSite(DEMO_SITE);
  await Site.updateOne(
    { _id: DEMO_SITE },
    {
      $setOnInsert: {
        name: "Demo",
        settings: { ...DEFAULT_SITE_SETTINGS, preModeration: "none", allowGuests: true },
      },
      $addToSet: { origins: { $each: origins } },
    },
    { upsert: true },
  );
}

/** Creates a site with the WordPress-like defaults. */
export async function createSite(slug: string, name: string, origins: string[]): Promise<SiteDoc> {
  const site = await Site.create({
    _id: slug,
    name,
    origins,
    settings: { ...DEFAULT_SITE_SETTINGS },
  });
  return site.toObject();
}
