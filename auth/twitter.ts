import { Strategy as TwitterStrategy } from "passport-twitter";
import type { Config } from "../config";
import { OAuth1RequestTokenStore } from "./handshakes";
import { applyDeadlineToOAuth1 } from "./providerDeadline";
import { toProviderProfile } from "./profile";
import { verifyWith, type ProfileJson } from "./verify";

/** Twitter's verify_credentials fields; email is present only when the app may ask for it. */
export function twitterProfile(json: ProfileJson) {
  const screenName = typeof json.screen_name === "string" ? json.screen_name : null;
  return toProviderProfile("twitter", {
    id: json.id_str ?? json.id,
    username: screenName,
    name: json.name,
    avatarUrl: json.profile_image_url_https,
    profileUrl: screenName ? `https://twitter.com/${encodeURIComponent(screenName)}` : null,
    email: json.email,
  });
}

export function twitterStrategy(config: Config): TwitterStrategy | null {
  const creds = config.twitter;
  if (!creds) return null;
  // Built apart from the call: @types/passport-twitter does not list requestTokenStore, which
  // passport-oauth1 accepts.
  const options = {
    consumerKey: creds.id,
    consumerSecret: creds.secret,
    callbackURL: `${config.publicUrl}/auth/twitter/callback`,
    requestTokenURL: `${creds.apiUrl}/oauth/request_token`,
    accessTokenURL: `${creds.apiUrl}/oauth/access_token`,
    userAuthorizationURL: `${creds.apiUrl}/oauth/authenticate`,
    userProfileURL: `${creds.apiUrl}/1.1/account/verify_credentials.json`,
    includeEmail: true,
    includeStatus: false,
    includeEntities: false,
    // The request token's secret must survive until the callback, on whichever instance.
    requestTokenStore: new OAuth1RequestTokenStore("twitter"),
    passReqToCallback: false as const,
  };
  const strategy = new TwitterStrategy(options, verifyWith(config, "twitter", twitterProfile));
  applyDeadlineToOAuth1((strategy as unknown as { _oauth: unknown })._oauth);
  return strategy;
}
