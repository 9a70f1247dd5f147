import { Schema, model } from "mongoose";
import { SIGN_IN_PROVIDERS, type SignInProvider } from "./Site";

/**
 * One sign-in handshake between GET /auth/:provider and its callback. It lives in the database,
 * not in process memory, so a callback that lands on another instance still finds it.
 */
export interface AuthStateDoc {
  /** The OAuth 2 `state` we generated, or the OAuth 1.0a request token the provider issued. */
  _id: string;
  provider: SignInProvider;
  site: string;
  /** The opener's origin, checked against the site's allowed origins before the redirect. */
  origin: string;
  /**
   * SHA-256 of the popup browser's cs_auth cookie: a callback completed in another browser (a
   * link an attacker finished with their own account) is refused, which stops login CSRF.
   */
  browser: string;
  /** OAuth 1.0a only: the request token's secret, needed to sign the access-token call. */
  secret: string | null;
  /** Checked on read; expired handshakes are also swept when new ones are stored. */
  expiresAt: Date;
  createdAt: Date;
}

const authStateSchema = new Schema<AuthStateDoc>(
  {
    _id: { type: String, required: true },
    provider: { type: String, enum: SIGN_IN_PROVIDERS, required: true },
    site: { type: String, required: true },
    origin: { type: String, required: true },
    browser: { type: String, required: true },
    secret: { type: String, default: null },
    expiresAt: { type: Date, required: true },
  },
  { timestamps: { createdAt: true, updatedAt: false }, versionKey: false },
);
authStateSchema.index({ expiresAt: 1 });

export const AuthState = model<AuthStateDoc>("AuthState", authStateSchema);
