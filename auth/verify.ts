import type { Config } from "../config";
import type { Provider } from "../models/Site";
import type { UserDoc } from "../models/User";
import { SignInError } from "./errors";
import type { ProviderProfile } from "./profile";
import { signInWithProfile } from "./users";

/** The raw JSON a strategy fetched from the provider's profile endpoint. */
export type ProfileJson = Record<string, unknown>;

type VerifyDone = (err: Error | null, user?: UserDoc | false) => void;

/**
 * The verify callback every strategy shares (OAuth 1.0a and 2 both call it with two credentials,
 * the profile and `done`): the provider's JSON is mapped by its own module, then handed to the one
 * find-or-create step. The provider's access token is used only to read the profile; it is not
 * kept.
 */
export function verifyWith(
  config: Config,
  provider: Provider,
  mapProfile: (json: ProfileJson) => ProviderProfile | null,
) {
  return (_token: string, _secret: string, raw: unknown, done: VerifyDone): void => {
    const json = (raw as { _json?: unknown } | undefined)?._json;
    const profile =
      json && typeof json === "object" && !Array.isArray(json)
        ? mapProfile(json as ProfileJson)
        : null;
    if (!profile || profile.provider !== provider) {
      done(new SignInError("provider_error"));
      return;
    }
    signInWithProfile(config, profile).then(
      (user) => done(null, user),
      (err: unknown) => done(new SignInError("internal_error", { cause: err })),
    );
  };
}
