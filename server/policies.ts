import type { CommentDoc, Role } from "../models/Comment";
import type { SiteRole, UserDoc } from "../models/User";

/** Who is asking: a signed-in user, or nobody, and from where. */
export interface Viewer {
  user: UserDoc | null;
  sessionId: string | null;
  ip: string | null;
}

export const anonymousViewer: Viewer = { user: null, sessionId: null, ip: null };

export function siteRole(user: UserDoc | null, site: string): SiteRole | null {
  if (!user) return null;
  if (user.adminOfAllSites) return "admin";
  const grants = user.roles.filter((r) => r.site === site).map((r) => r.role);
  if (grants.includes("admin")) return "admin";
  if (grants.includes("moderator")) return "moderator";
  return null;
}

export function authorRole(user: UserDoc | null, site: string): Role {
  return siteRole(user, site) ?? "commenter";
}

/** Moderators and admins of the site moderate it; admins of one site are nobody on another. */
export function canModerate(viewer: Viewer, site: string): boolean {
  return siteRole(viewer.user, site) !== null;
}

export function canAdminister(viewer: Viewer, site: string): boolean {
  return siteRole(viewer.user, site) === "admin";
}

export function isAuthor(viewer: Viewer, comment: Pick<CommentDoc, "author">): boolean {
  return !!viewer.user && !!comment.author.user && comment.author.user.equals(viewer.user._id);
}

/** The Markdown source goes only to its author and to the site's moderators. */
export function canSeeBody(viewer: Viewer, comment: Pick<CommentDoc, "author" | "site">): boolean {
  return isAuthor(viewer, comment) || canModerate(viewer, comment.site);
}

/** Approved comments and tombstones are public; the rest only to the author and moderators. */
export function canSeeComment(
  viewer: Viewer,
  comment: Pick<CommentDoc, "author" | "site" | "status" | "visible">,
): boolean {
  if (comment.visible) return true;
  if (canModerate(viewer, comment.site)) return true;
  return comment.status === "pending" && isAuthor(viewer, comment);
}

export function canEdit(
  viewer: Viewer,
  comment: Pick<CommentDoc, "author" | "site" | "status" | "createdAt">,
  editWindowSeconds: number,
  now = Date.now(),
): boolean {
  if (comment.status === "deleted") return false;
  if (canModerate(viewer, comment.site)) return true;
  if (!isAuthor(viewer, comment)) return false;
  return now - comment.createdAt.getTime() <= editWindowSeconds * 1000;
}

export function canDelete(viewer: Viewer, comment: Pick<CommentDoc, "author" | "site">): boolean {
  return isAuthor(viewer, comment) || canModerate(viewer, comment.site);
}
