import crypto from "node:crypto";
import http from "node:http";
import express from "express";
import OAuth from "oauth-1.0a";
import { closeServer, listenOnFreePort } from "./listen";

export interface OAuth1Behaviour {
  consent: "approve" | "deny";
  /** "hang" accepts the call and never answers. */
  requestToken: "ok" | "error500" | "hang";
  accessToken: "ok" | "error500" | "garbage";
  profile: "ok" | "error500" | "garbage";
}

export interface FakeOAuth1Options {
  consumerKey: string;
  consumerSecret: string;
  /** The verify_credentials answer; `email` is sent only when include_email=true is asked. */
  profile: Record<string, unknown>;
}

/** Reads `OAuth k="v", …` into its decoded parameters. */
function parseAuthorization(header: string | undefined): Record<string, string> | null {
  if (!header?.startsWith("OAuth ")) return null;
  const params: Record<string, string> = {};
  for (const part of header.slice(6).split(/,\s*/)) {
    const m = /^([a-zA-Z0-9_]+)="(.*)"$/.exec(part.trim());
    if (m) params[m[1]!] = decodeURIComponent(m[2]!);
  }
  return params;
}

/**
 * Twitter's OAuth 1.0a endpoints: request token, authenticate, access token and
 * verify_credentials. Each signed call is checked with HMAC-SHA1 through the oauth-1.0a package
 * (base string and signing key built by it), with nonces remembered so a replay is refused.
 */
export class FakeOAuth1Provider {
  url = "";
  /** The callback registered for the app; set once the app under test listens. */
  callbackUrl = "";
  behaviour: OAuth1Behaviour = {
    consent: "approve",
    requestToken: "ok",
    accessToken: "ok",
    profile: "ok",
  };
  readonly requestedUrls: string[] = [];
  /** The account the fake signs in; tests change it to see the profile refreshed. */
  profile: Record<string, unknown>;
  /** Signed calls whose signature did not verify. */
  readonly badSignatures: string[] = [];

  private readonly oauth: OAuth;
  private readonly requestTokens = new Map<
    string,
    { secret: string; verifier: string; used: boolean }
  >();
  private readonly accessTokens = new Map<string, string>();
  private readonly nonces = new Set<string>();
  private readonly server: http.Server;

  constructor(private readonly options: FakeOAuth1Options) {
    this.profile = { ...options.profile };
    this.oauth = new OAuth({
      consumer: { key: options.consumerKey, secret: options.consumerSecret },
      signature_method: "HMAC-SHA1",
      hash_function: (base, key) => crypto.createHmac("sha1", key).update(base).digest("base64"),
    });
    const app = express();
    app.use((req, _res, next) => {
      this.requestedUrls.push(req.originalUrl);
      next();
    });
    app.use(express.urlencoded({ extended: false }));
    app.post("/oauth/request_token", (req, res) => this.requestToken(req, res));
    app.get("/oauth/authenticate", (req, res) => this.authenticate(req, res));
    app.post("/oauth/access_token", (req, res) => this.accessToken(req, res));
    app.get("/1.1/account/verify_credentials.json", (req, res) => this.verifyCredentials(req, res));
    this.server = http.createServer(app);
  }

  async start(): Promise<this> {
    this.url = await listenOnFreePort(this.server);
    return this;
  }

  close(): Promise<void> {
    return closeServer(this.server);
  }

  /** The request's OAuth parameters when its signature verifies with tokenSecret, else null. */
  private verified(
    req: express.Request,
    tokenSecret: (oauthParams: Record<string, string>) => string | undefined,
  ): Record<string, string> | null {
    const header = parseAuthorization(req.get("authorization"));
    if (!header?.oauth_signature || header.oauth_consumer_key !== this.options.consumerKey)
      return null;
    if (header.oauth_signature_method !== "HMAC-SHA1" || header.oauth_version !== "1.0")
      return null;
    const secret = tokenSecret(header);
    if (secret === undefined) return null;
    const { oauth_signature: signature, ...oauthData } = header;
    const data = {
      ...(req.query as Record<string, string>),
      ...((req.body ?? {}) as Record<string, string>),
    };
    const url = `http://${req.get("host")}${req.path}`;
    const expected = this.oauth.getSignature(
      { url, method: req.method, data },
      secret,
      oauthData as unknown as OAuth.Data,
    );
    const ok =
      expected.length === signature.length &&
      crypto.timingSafeEqual(Buffer.from(expected), Buffer.from(signature));
    const fresh = Math.abs(Date.now() / 1000 - Number(header.oauth_timestamp)) < 300;
    const nonce = `${header.oauth_timestamp}:${header.oauth_nonce}`;
    if (!ok || !fresh || !header.oauth_nonce || this.nonces.has(nonce)) {
      this.badSignatures.push(req.path);
      return null;
    }
    this.nonces.add(nonce);
    return header;
  }

  private requestToken(req: express.Request, res: express.Response) {
    if (this.behaviour.requestToken === "hang") return;
    if (this.behaviour.requestToken === "error500") return res.status(500).send("over capacity");
    const params = this.verified(req, () => "");
    if (!params) return res.status(401).json({ errors: [{ code: 32, message: "Bad signature" }] });
    if (!this.callbackUrl || params.oauth_callback !== this.callbackUrl)
      return res.status(403).json({ errors: [{ code: 415, message: "Callback not approved" }] });
    const token = crypto.randomBytes(16).toString("hex");
    const secret = crypto.randomBytes(16).toString("hex");
    this.requestTokens.set(token, {
      secret,
      verifier: crypto.randomBytes(8).toString("hex"),
      used: false,
    });
    res
      .type("application/x-www-form-urlencoded")
      .send(`oauth_token=${token}&oauth_token_secret=${secret}&oauth_callback_confirmed=true`);
  }

  private authenticate(req: express.Request, res: express.Response) {
    const token = String(req.query.oauth_token ?? "");
    const entry = this.requestTokens.get(token);
    if (!entry) return res.status(400).send("unknown request token");
    const back = new URL(this.callbackUrl);
    if (this.behaviour.consent === "deny") back.searchParams.set("denied", token);
    else {
      back.searchParams.set("oauth_token", token);
      back.searchParams.set("oauth_verifier", entry.verifier);
    }
    res.redirect(302, back.toString());
  }

  private accessToken(req: express.Request, res: express.Response) {
    if (this.behaviour.accessToken === "error500") return res.status(500).send("over capacity");
    const params = this.verified(req, (p) => this.requestTokens.get(p.oauth_token ?? "")?.secret);
    const entry = params && this.requestTokens.get(params.oauth_token ?? "");
    if (!params || !entry || entry.used || params.oauth_verifier !== entry.verifier)
      return res.status(401).send("Invalid request token");
    entry.used = true;
    if (this.behaviour.accessToken === "garbage") return res.status(200).send("<<garbage>>");
    const token = crypto.randomBytes(16).toString("hex");
    const secret = crypto.randomBytes(16).toString("hex");
    this.accessTokens.set(token, secret);
    const p = this.profile;
    res
      .type("application/x-www-form-urlencoded")
      .send(
        `oauth_token=${token}&oauth_token_secret=${secret}` +
          `&user_id=${String(p.id_str)}&screen_name=${String(p.screen_name)}`,
      );
  }

  private verifyCredentials(req: express.Request, res: express.Response) {
    const params = this.verified(req, (p) => this.accessTokens.get(p.oauth_token ?? ""));
    if (!params)
      return res.status(401).json({ errors: [{ code: 89, message: "Invalid or expired token." }] });
    if (this.behaviour.profile === "error500") return res.status(500).send("over capacity");
    if (this.behaviour.profile === "garbage") return res.status(200).send("{{{");
    const { email, ...rest } = this.profile;
    res.json(req.query.include_email === "true" ? { ...rest, email } : rest);
  }
}
