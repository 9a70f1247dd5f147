import http from "node:http";
import { fakeProviderEnv } from "../fakes/env";
import { Writable } from "node:stream";
import pino from "pino";
import { loadConfig, type Config } from "../../config";
import { FACEBOOK_GRAPH_VERSION } from "../../auth/facebook";
import { createApp } from "../../server/app";
import { DomainEvents } from "../../server/events";
import { PostRateLimiter } from "../../server/rateLimit";
import { FakeOAuth1Provider } from "../fakes/oauth1Provider";
import { FakeOAuth2Provider } from "../fakes/oauth2Provider";
import { closeServer, listenOnFreePort } from "../fakes/listen";
import { runCallbackPage, runPopup, type PopupRun, type PostedMessage } from "./popupBrowser";

export const FB = FACEBOOK_GRAPH_VERSION;

export const wordpressMe = {
  ID: 4242,
  display_name: "Ada Lovelace",
  username: "adalovelace",
  email: "Ada@Example.com",
  email_verified: true,
  avatar_URL: "https://0.gravatar.com/avatar/ada",
  profile_URL: "https://gravatar.com/adalovelace",
};

export const twitterMe = {
  id: 12,
  id_str: "12",
  screen_name: "jack",
  name: "Jack",
  profile_image_url_https: "https://pbs.twimg.com/profile_images/jack.jpg",
  email: "jack@example.com",
};

export const facebookMe = {
  id: "10150000000000001",
  name: "Mark Example",
  email: "mark@example.com",
  picture: { data: { url: "https://graph.example/picture/mark.jpg" } },
};

export type PopupResult = PopupRun & { posted: PostedMessage[]; closed: boolean };

export function startUrl(appUrl: string, provider: string, site: string, origin: string): string {
  return `${appUrl}/auth/${provider}?site=${encodeURIComponent(site)}&origin=${encodeURIComponent(origin)}`;
}

async function openPopup(url: string, opts?: Parameters<typeof runPopup>[1]): Promise<PopupResult> {
  const run = await runPopup(url, opts);
  const page =
    run.final.status === 200 && run.final.headers.get("content-type")?.includes("text/html")
      ? runCallbackPage(run.final.body, run.final.headers.get("content-security-policy"))
      : { posted: [], closed: false };
  return { ...run, ...page };
}

export interface SignInHarness {
  appUrl: string;
  config: Config;
  events: DomainEvents;
  /** Every log line the app wrote, at trace level and without redaction. */
  logLines: string[];
  wordpress: FakeOAuth2Provider;
  facebook: FakeOAuth2Provider;
  twitter: FakeOAuth1Provider;
  /** Opens /auth/:provider?site=&origin= in a "popup" and runs the callback page. */
  signIn(provider: string, site: string, origin: string): Promise<PopupResult>;
  /** Opens any URL in a "popup" (a replayed callback, say) and runs the page it ends on. */
  open(url: string, opts?: Parameters<typeof runPopup>[1]): Promise<PopupResult>;
  close(): Promise<void>;
}

/**
 * The app on a real port with all three fake providers, so the popup flow runs over HTTP as a
 * browser would drive it. env overrides the configuration (e.g. to leave a provider out).
 */
export async function startSignInHarness(env: Record<string, string> = {}): Promise<SignInHarness> {
  const wordpress = await new FakeOAuth2Provider({
    clientId: "wp-client",
    clientSecret: "wp-secret",
    paths: { authorize: "/oauth2/authorize", token: "/oauth2/token", me: "/rest/v1.1/me" },
    profile: wordpressMe,
  }).start();
  const facebook = await new FakeOAuth2Provider({
    clientId: "fb-app",
    clientSecret: "fb-secret",
    paths: {
      authorize: `/${FB}/dialog/oauth`,
      token: `/${FB}/oauth/access_token`,
      me: `/${FB}/me`,
    },
    profile: facebookMe,
    facebook: true,
  }).start();
  const twitter = await new FakeOAuth1Provider({
    consumerKey: "tw-key",
    consumerSecret: "tw-secret",
    profile: twitterMe,
  }).start();

  const server = http.createServer();
  const appUrl = await listenOnFreePort(server);
  const config = loadConfig({
    LOG_LEVEL: "trace",
    POSTS_PER_MINUTE: "0",
    // Tests sign in many times a minute from one address; tests/auth/signInLimits.test.ts checks it.
    SIGN_INS_PER_MINUTE: "0",
    PUBLIC_URL: appUrl,
    ...fakeProviderEnv({ wordpress, twitter, facebook }),
    ...env,
  });
  const logLines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      logLines.push(chunk.toString());
      done();
    },
  });
  const events = new DomainEvents();
  const app = createApp({
    config,
    logger: pino({ level: "trace" }, destination),
    events,
    postLimiter: new PostRateLimiter(0),
  });
  server.on("request", app);
  wordpress.redirectUri = `${appUrl}/auth/wordpress/callback`;
  facebook.redirectUri = `${appUrl}/auth/facebook/callback`;
  twitter.callbackUrl = `${appUrl}/auth/twitter/callback`;

  return {
    appUrl,
    config,
    events,
    logLines,
    wordpress,
    facebook,
    twitter,
    signIn: (provider, site, origin) => openPopup(startUrl(appUrl, provider, site, origin)),
    open: openPopup,
    async close() {
      await Promise.all([
        closeServer(server),
        wordpress.close(),
        facebook.close(),
        twitter.close(),
      ]);
    },
  };
}
