/**
 * Room names. Site slugs and thread keys are URI-encoded so that no key can forge another
 * room's name (keys may contain ":").
 */
const enc = encodeURIComponent;

/** Every reader of a thread. */
export const threadRoom = (site: string, key: string) => `thread:${enc(site)}:${enc(key)}`;

/** One user's sockets that joined one thread: where their held comments go. */
export const threadAuthorRoom = (site: string, key: string, userId: string) =>
  `thread-author:${enc(site)}:${enc(key)}:${userId}`;

/** The site's moderators who joined its moderation room. */
export const moderationRoom = (site: string) => `moderation:${enc(site)}`;

/** Every socket signed in with one session: dropped at logout. */
export const sessionRoom = (sessionId: string) => `session:${sessionId}`;

/** Every socket of one user. */
export const userRoom = (userId: string) => `user:${userId}`;

/** One user's sockets that use a site: dropped when the site bans the user. */
export const siteUserRoom = (site: string, userId: string) => `site-user:${enc(site)}:${userId}`;

/** The thread behind a thread room, or null for any other room. */
export function parseThreadRoom(room: string): { site: string; key: string } | null {
  const m = /^thread:([^:]*):([^:]*)$/.exec(room);
  return m ? { site: decodeURIComponent(m[1]!), key: decodeURIComponent(m[2]!) } : null;
}
