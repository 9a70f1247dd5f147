import type { Config } from "../../config";
import type { Provider, SiteDoc } from "../../models/Site";
import type { ThreadDoc } from "../../models/Thread";
import { isThreadOpen, siteProviders } from "../services/sites";

export interface ApiThread {
  site: string;
  key: string;
  url: string | null;
  title: string | null;
  open: boolean;
  commentCount: number;
  settings: {
    requireLogin: boolean;
    allowGuests: boolean;
    providers: (Provider | "demo")[];
    maxDepth: number;
    editWindowSeconds: number;
  };
}

/** A thread, or the empty one a key without comments stands for (nothing is stored for it). */
export function presentThread(
  site: SiteDoc,
  key: string,
  thread: ThreadDoc | null,
  config: Config,
): ApiThread {
  const s = site.settings;
  return {
    site: site._id,
    key,
    url: thread?.url ?? null,
    title: thread?.title ?? null,
    open: thread ? isThreadOpen(thread, site) : true,
    commentCount: thread?.commentCount ?? 0,
    settings: {
      requireLogin: s.requireLogin,
      allowGuests: s.allowGuests && !s.requireLogin,
      providers: siteProviders(site, config),
      maxDepth: s.maxDepth,
      editWindowSeconds: s.editWindowSeconds,
    },
  };
}
