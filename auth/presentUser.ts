import { Site } from "../models/Site";
import { Identity, type SiteRole, type UserDoc } from "../models/User";
import { siteRole } from "../server/policies";

/** The User object of shared/API.md. */
export interface ApiUser {
  id: string;
  name: string;
  avatarUrl: string | null;
  profileUrl: string | null;
  provider: UserDoc["provider"];
  identities: { provider: UserDoc["provider"]; username: string }[];
  /** Site slug → role; a key of this JSON object only, never of a stored document. */
  roles: Record<string, SiteRole>;
  /** An admin of every site (ADMIN_IDENTITIES): may create sites. */
  adminOfAllSites: boolean;
}

/**
 * Presents a user for /api/v1/me and the sign-in popup. Roles come from the same policy that
 * decides them, so an admin of every site (ADMIN_IDENTITIES) shows as admin of each existing one.
 */
export async function presentUser(user: UserDoc): Promise<ApiUser> {
  const identities = await Identity.find({ user: user._id }).sort({ createdAt: 1 }).lean();
  const sites = user.adminOfAllSites
    ? (await Site.find({}, { _id: 1 }).sort({ _id: 1 }).lean()).map((s) => s._id)
    : [...new Set(user.roles.map((r) => r.site))].sort();
  const roles: Record<string, SiteRole> = {};
  for (const site of sites) {
    const role = siteRole(user, site);
    if (role) roles[site] = role;
  }
  return {
    id: user._id.toHexString(),
    name: user.name,
    avatarUrl: user.avatarUrl,
    profileUrl: user.profileUrl,
    provider: user.provider,
    identities: identities.map((i) => ({ provider: i.provider, username: i.username })),
    roles,
    adminOfAllSites: user.adminOfAllSites === true,
  };
}
