/** The codes a sign-in popup can report to its opener in `comments:auth-error`. */
export type SignInErrorCode =
  "access_denied" | "invalid_state" | "invalid_request" | "provider_error" | "internal_error";

const MESSAGES: Record<SignInErrorCode, string> = {
  access_denied: "Sign-in was cancelled at the provider.",
  invalid_state: "This sign-in attempt is unknown, expired or already used; please start it again.",
  invalid_request: "The provider's answer was missing its parameters; please start again.",
  provider_error: "The provider could not complete the sign-in; please try again later.",
  internal_error: "Sign-in failed on our side; please try again.",
};

/**
 * A sign-in failure with a code the opener can act on. Anything thrown by our own code during
 * the handshake is wrapped in one, so only errors raised by the strategies (the provider's
 * answers) count as provider errors.
 */
export class SignInError extends Error {
  constructor(
    readonly code: SignInErrorCode,
    options?: { cause?: unknown },
  ) {
    super(MESSAGES[code], options);
    this.name = "SignInError";
  }
}
