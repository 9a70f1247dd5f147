import { Strategy as FacebookStrategy } from "passport-facebook";
import type OAuth2Strategy from "passport-oauth2";
import type { Config } from "../config";
import { OAuth2StateStore } from "./handshakes";
import { applyDeadlineToOAuth2 } from "./providerDeadline";
import { toProviderProfile } from "./profile";
import { verifyWith, type ProfileJson } from "./verify";

/**
 * The Graph API version every Facebook call uses. Pinned, so a new default version at Facebook
 * cannot change the answers under us; raise it (and re-test) before Facebook retires it.
 */
export const FACEBOOK_GRAPH_VERSION = "v23.0";

/** Graph API /me fields. Facebook has no public usernames: the app-scoped id stands in. */
export function facebookProfile(json: ProfileJson) {
  const picture = json.picture as { data?: { url?: unknown } } | undefined;
  return toProviderProfile("facebook", {
    id: json.id,
    username: json.id,
    name: json.name,
    avatarUrl: picture?.data?.url,
    profileUrl: json.link,
    email: json.email,
  });
}

export function facebookStrategy(config: Config): FacebookStrategy | null {
  const creds = config.facebook;
  if (!creds) return null;
  const v = FACEBOOK_GRAPH_VERSION;
  const strategy = new FacebookStrategy(
    {
      clientID: creds.id,
      clientSecret: creds.secret,
      callbackURL: `${config.publicUrl}/auth/facebook/callback`,
      graphAPIVersion: v,
      authorizationURL: `${creds.dialogUrl}/${v}/dialog/oauth`,
      tokenURL: `${creds.graphUrl}/${v}/oauth/access_token`,
      profileURL: `${creds.graphUrl}/${v}/me`,
      // Asked for explicitly: Graph API /me returns only id and name otherwise.
      profileFields: ["id", "displayName", "emails", "picture.type(large)"],
      scope: ["email"],
      // appsecret_proof on Graph calls, so a leaked access token is useless without our secret.
      enableProof: true,
      store: new OAuth2StateStore("facebook") as unknown as OAuth2Strategy.StateStore,
    },
    verifyWith(config, "facebook", facebookProfile),
  );
  applyDeadlineToOAuth2((strategy as unknown as { _oauth2: unknown })._oauth2);
  return strategy;
}
