import type { Config } from "../config";
import { isDuplicateKey } from "../server/database";
import { Identity, User, type UserDoc } from "../models/User";
import type { ProviderProfile } from "./profile";

/** Whether ADMIN_IDENTITIES names this account; usernames compare without case, as providers do. */
export function isAdminIdentity(config: Config, provider: string, username: string): boolean {
  const wanted = `${provider}:${username}`.toLowerCase();
  return config.adminIdentities.some((entry) => entry.toLowerCase() === wanted);
}

/**
 * The one step every provider ends in: finds the user behind (provider, provider id), or creates
 * them, and refreshes their profile from what the provider just said. ADMIN_IDENTITIES is applied
 * here, at every sign-in, so removing an entry takes effect at that account's next sign-in.
 */
export async function signInWithProfile(
  config: Config,
  profile: ProviderProfile,
): Promise<UserDoc> {
  const identityId = `${profile.provider}:${profile.providerId}`;
  const fresh = {
    name: profile.name,
    avatarUrl: profile.avatarUrl,
    profileUrl: profile.profileUrl,
    provider: profile.provider,
    // A site's SSO secret and the demo account vouch for no one beyond their own site.
    adminOfAllSites:
      profile.provider !== "sso" &&
      profile.provider !== "demo" &&
      isAdminIdentity(config, profile.provider, profile.username),
    // A provider that did not share an email this time does not erase the one it shared before.
    ...(profile.email ? { email: profile.email } : {}),
  };

  const identity = await Identity.findById(identityId).lean();
  if (identity) {
    await Identity.updateOne({ _id: identityId }, { $set: { username: profile.username } });
    const user = await User.findByIdAndUpdate(
      identity.user,
      { $set: fresh },
      { returnDocument: "after" },
    ).lean();
    if (user) return user;
    // The identity outlived its user (deleted by hand): start the account again.
    await Identity.deleteOne({ _id: identityId });
  }

  const user = (await User.create(fresh)).toObject();
  try {
    await Identity.create({
      _id: identityId,
      provider: profile.provider,
      providerId: profile.providerId,
      username: profile.username,
      user: user._id,
    });
    return user;
  } catch (err) {
    // Two first sign-ins raced (two tabs, two instances): the other one's identity wins.
    if (!isDuplicateKey(err)) throw err;
    await User.deleteOne({ _id: user._id });
    return signInWithProfile(config, profile);
  }
}
