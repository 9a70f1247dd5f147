import crypto from "node:crypto";
import http from "node:http";
import express from "express";
import { closeServer, listenOnFreePort } from "./listen";

/** How the fake behaves; tests flip these between runs. */
export interface OAuth2Behaviour {
  /** What the "user" does on the consent screen. */
  consent: "approve" | "deny";
  /** "hang" accepts the call and never answers. */
  token: "ok" | "error500" | "garbage" | "hang";
  profile: "ok" | "error500" | "garbage" | "hang";
}

export interface FakeOAuth2Options {
  clientId: string;
  clientSecret: string;
  /** Provider paths, e.g. /oauth2/authorize, /oauth2/token, /rest/v1.1/me for WordPress.com. */
  paths: { authorize: string; token: string; me: string };
  /** The /me answer. */
  profile: Record<string, unknown>;
  /** Facebook style: denial adds error_reason and error_code; /me wants appsecret_proof. */
  facebook?: boolean;
}

/**
 * An OAuth 2 authorization-code server: issues single-use codes bound to the client and redirect
 * URI, exchanges them for access tokens only against the right client secret, and serves the
 * profile to the bearer of a token it issued.
 */
export class FakeOAuth2Provider {
  url = "";
  /** The callback registered for the client; set once the app under test listens. */
  redirectUri = "";
  behaviour: OAuth2Behaviour = { consent: "approve", token: "ok", profile: "ok" };
  /** Every URL requested from the fake, in order, for "no token in any URL" checks. */
  readonly requestedUrls: string[] = [];
  /** The account the fake signs in; tests change it to see the profile refreshed. */
  profile: Record<string, unknown>;
  /** The query of the last profile request (Facebook's `fields`, `appsecret_proof`). */
  lastProfileQuery: Record<string, unknown> = {};
  /** Scope asked for at the last authorization. */
  lastScope: string | undefined;

  private readonly codes = new Map<string, { redirectUri: string; used: boolean }>();
  private readonly tokens = new Set<string>();
  private readonly server: http.Server;

  constructor(private readonly options: FakeOAuth2Options) {
    this.profile = { ...options.profile };
    const app = express();
    app.use((req, _res, next) => {
      this.requestedUrls.push(req.originalUrl);
      next();
    });
    app.get(options.paths.authorize, (req, res) => this.authorize(req, res));
    app.post(options.paths.token, express.urlencoded({ extended: false }), (req, res) =>
      this.token(req, res),
    );
    app.get(options.paths.me, (req, res) => this.me(req, res));
    this.server = http.createServer(app);
  }

  async start(): Promise<this> {
    this.url = await listenOnFreePort(this.server);
    return this;
  }

  close(): Promise<void> {
    return closeServer(this.server);
  }

  private authorize(req: express.Request, res: express.Response) {
    const q = req.query as Record<string, string | undefined>;
    // Per RFC 6749 §4.1.2.1, a bad client or redirect URI is shown to the user, never redirected.
    if (q.client_id !== this.options.clientId) return res.status(400).send("unknown client_id");
    if (!this.redirectUri || q.redirect_uri !== this.redirectUri)
      return res.status(400).send("redirect_uri does not match the registered one");
    if (q.response_type !== "code") return res.status(400).send("response_type must be code");
    this.lastScope = q.scope;
    const back = new URL(this.redirectUri);
    if (q.state !== undefined) back.searchParams.set("state", q.state);
    if (this.behaviour.consent === "deny") {
      back.searchParams.set("error", "access_denied");
      back.searchParams.set("error_description", "The user denied the request");
      if (this.options.facebook) {
        back.searchParams.set("error_reason", "user_denied");
        back.searchParams.set("error_code", "200");
      }
    } else {
      const code = crypto.randomBytes(16).toString("hex");
      this.codes.set(code, { redirectUri: q.redirect_uri, used: false });
      back.searchParams.set("code", code);
    }
    res.redirect(302, back.toString());
  }

  private token(req: express.Request, res: express.Response) {
    const b = (req.body ?? {}) as Record<string, string | undefined>;
    if (this.behaviour.token === "hang") return;
    if (this.behaviour.token === "error500") return res.status(500).send("upstream exploded");
    if (this.behaviour.token === "garbage")
      return res.status(200).type("html").send("<html>not a token</html>");
    if (b.client_id !== this.options.clientId || b.client_secret !== this.options.clientSecret)
      return res.status(401).json({ error: "invalid_client" });
    if (b.grant_type !== "authorization_code")
      return res.status(400).json({ error: "unsupported_grant_type" });
    const code = b.code ? this.codes.get(b.code) : undefined;
    if (!code || code.used || code.redirectUri !== b.redirect_uri)
      return res.status(400).json({ error: "invalid_grant" });
    code.used = true;
    const accessToken = crypto.randomBytes(24).toString("hex");
    this.tokens.add(accessToken);
    res.json({ access_token: accessToken, token_type: "bearer", expires_in: 3600 });
  }

  private me(req: express.Request, res: express.Response) {
    const q = req.query as Record<string, string | undefined>;
    this.lastProfileQuery = { ...q };
    const header = /^Bearer (.+)$/.exec(req.get("authorization") ?? "");
    const token = header?.[1] ?? q.access_token;
    if (!token || !this.tokens.has(token)) return res.status(401).json({ error: "invalid_token" });
    if (this.options.facebook) {
      const proof = crypto
        .createHmac("sha256", this.options.clientSecret)
        .update(token)
        .digest("hex");
      if (q.appsecret_proof !== proof)
        return res.status(400).json({ error: { message: "Invalid appsecret_proof", code: 100 } });
    }
    if (this.behaviour.profile === "hang") return;
    if (this.behaviour.profile === "error500") return res.status(500).send("down");
    if (this.behaviour.profile === "garbage") return res.status(200).send("{not json");
    res.json(this.profile);
  }
}
