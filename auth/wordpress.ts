import OAuth2Strategy, { InternalOAuthError } from "passport-oauth2";
import type { Config } from "../config";
import { OAuth2StateStore } from "./handshakes";
import { applyDeadlineToOAuth2 } from "./providerDeadline";
import { toProviderProfile } from "./profile";
import { verifyWith, type ProfileJson } from "./verify";

/** WordPress.com's /me fields, as documented for /rest/v1.1/me. */
export function wordpressProfile(json: ProfileJson) {
  return toProviderProfile("wordpress", {
    id: json.ID,
    username: json.username,
    name: json.display_name,
    avatarUrl: json.avatar_URL,
    profileUrl: json.profile_URL,
    // WordPress.com reports whether the address was confirmed; an unconfirmed one is not kept.
    email: json.email_verified === false ? null : json.email,
  });
}

/**
 * No maintained passport strategy exists for WordPress.com, so this is passport-oauth2 with the
 * WordPress.com endpoints and a profile read from /rest/v1.1/me.
 */
class WordPressStrategy extends OAuth2Strategy {
  constructor(
    options: OAuth2Strategy.StrategyOptions,
    verify: OAuth2Strategy.VerifyFunction,
    private readonly profileUrl: string,
  ) {
    super(options, verify);
    this.name = "wordpress";
    // WordPress.com reads the token from the Authorization header, not from the query string.
    this._oauth2.useAuthorizationHeaderforGET(true);
    applyDeadlineToOAuth2(this._oauth2);
  }

  override userProfile(accessToken: string, done: (err?: unknown, profile?: unknown) => void) {
    this._oauth2.get(this.profileUrl, accessToken, (err, body) => {
      if (err)
        return done(new InternalOAuthError("Failed to fetch the WordPress.com profile", err));
      try {
        const json: unknown = JSON.parse(String(body));
        done(null, { provider: "wordpress", _json: json });
      } catch {
        done(new Error("The WordPress.com profile is not JSON"));
      }
    });
  }
}

export function wordpressStrategy(config: Config): WordPressStrategy | null {
  const creds = config.wordpress;
  if (!creds) return null;
  return new WordPressStrategy(
    {
      authorizationURL: `${creds.apiUrl}/oauth2/authorize`,
      tokenURL: `${creds.apiUrl}/oauth2/token`,
      clientID: creds.id,
      clientSecret: creds.secret,
      callbackURL: `${config.publicUrl}/auth/wordpress/callback`,
      // "auth" grants /me only: we sign people in, we do not manage their blogs.
      scope: "auth",
      store: new OAuth2StateStore("wordpress") as unknown as OAuth2Strategy.StateStore,
    },
    verifyWith(config, "wordpress", wordpressProfile),
    `${creds.apiUrl}/rest/v1.1/me`,
  );
}
