import passport from "passport";
import type { Config } from "../config";
import type { Provider } from "../models/Site";
import { facebookStrategy } from "./facebook";
import { twitterStrategy } from "./twitter";
import { wordpressStrategy } from "./wordpress";

export interface SignInStrategies {
  /** A passport instance of this app's own, so apps built with different configs never mix. */
  authenticator: passport.Authenticator;
  /** Providers registered: those whose credentials are configured. */
  enabled: Provider[];
}

/** Registers one strategy per configured provider. */
export function createStrategies(config: Config): SignInStrategies {
  const authenticator = new passport.Passport();
  const enabled: Provider[] = [];
  const strategies = {
    wordpress: wordpressStrategy(config),
    twitter: twitterStrategy(config),
    facebook: facebookStrategy(config),
  };
  for (const [provider, strategy] of Object.entries(strategies)) {
    if (!strategy) continue;
    authenticator.use(provider, strategy);
    enabled.push(provider as Provider);
  }
  return { authenticator, enabled };
}
