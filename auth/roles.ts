import { SIGN_IN_PROVIDERS, type SignInProvider } from "../models/Site";
import { Identity, SITE_ROLES, User, type SiteRole, type UserDoc } from "../models/User";

/** "provider:username", as ADMIN_IDENTITIES and the admin command line name an account. */
export function parseIdentityName(
  value: string,
): { provider: SignInProvider; username: string } | null {
  // An SSO reader's username is "<site>:<sub>": everything after the first colon.
  const m = /^([a-z]+):(\S+)$/.exec(value.trim());
  const provider = SIGN_IN_PROVIDERS.find((p) => p === m?.[1]);
  return provider && m ? { provider, username: m[2]! } : null;
}

export function isSiteRole(value: string): value is SiteRole {
  return (SITE_ROLES as readonly string[]).includes(value);
}

/**
 * The user behind provider:username, matched without case (as the providers match handles); null
 * until that account has signed in once, since only then do we know its provider id.
 */
export async function findUserByIdentity(
  provider: SignInProvider,
  username: string,
): Promise<UserDoc | null> {
  const escaped = username.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const identity = await Identity.findOne({
    provider,
    username: { $regex: `^${escaped}$`, $options: "i" },
  }).lean();
  return identity ? User.findById(identity.user).lean() : null;
}

// A concurrent change of the same user (a sign-in refreshing the profile) makes the conditional
// write below miss; a few retries settle it.
const MAX_ATTEMPTS = 5;

/**
 * Replaces the user's roles on one site with `role` (or with none), as one conditional write of
 * the roles array: roles are an array of {site, role}, and pulling and pushing the same array in
 * one update is refused by MongoDB.
 */
async function setSiteRole(userId: UserDoc["_id"], site: string, role: SiteRole | null) {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const user = await User.findById(userId).lean();
    if (!user) return null;
    const roles = user.roles.filter((r) => r.site !== site);
    if (role) roles.push({ site, role });
    const res = await User.updateOne(
      { _id: userId, updatedAt: user.updatedAt },
      { $set: { roles } },
    );
    if (res.matchedCount === 1) return User.findById(userId).lean();
  }
  throw new Error("the user kept changing; try again");
}

/** Makes the user moderator or admin of the site (replacing any other role they had there). */
export function grantRole(user: UserDoc, site: string, role: SiteRole) {
  return setSiteRole(user._id, site, role);
}

/** Takes away the user's role on the site. */
export function revokeRole(user: UserDoc, site: string) {
  return setSiteRole(user._id, site, null);
}
