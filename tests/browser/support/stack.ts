import { execFileSync } from "node:child_process";
import { fakeProviderEnv } from "../../fakes/env";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import type { AddressInfo } from "node:net";
import pino from "pino";
import {
  chromium,
  type Browser,
  type BrowserContext,
  type FrameLocator,
  type LaunchOptions,
  type Page,
} from "playwright-core";
import { loadConfig, projectRoot, type Config } from "../../../config";
import { createApp } from "../../../server/app";
import { startDemoServer } from "../../../server/demoPage";
import { DomainEvents } from "../../../server/events";
import { PostRateLimiter } from "../../../server/rateLimit";
import { attachRealtime, type Realtime } from "../../../server/realtime";
import { ensureDemoSite } from "../../../server/services/sites";
import { widgetAssets } from "../../../server/widgetAssets";
import { FACEBOOK_GRAPH_VERSION } from "../../../auth/facebook";
import { FakeOAuth1Provider } from "../../fakes/oauth1Provider";
import { FakeOAuth2Provider } from "../../fakes/oauth2Provider";

export const ARTIFACTS = path.join(projectRoot, "test-artifacts");

/** Builds the widget into a fresh folder, so a test never runs against a stale bundle. */
export function buildWidget(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "comments-widget-"));
  execFileSync(
    process.execPath,
    [path.join(projectRoot, "scripts", "build-widget.mjs"), "--outdir", dir],
    {
      stdio: "pipe",
    },
  );
  return dir;
}

/** The WordPress.com and Twitter accounts the fake providers sign in; tests may edit them. */
export interface FakeAccounts {
  wordpress: Record<string, unknown>;
  facebook: Record<string, unknown>;
  twitter: Record<string, unknown>;
}

export interface Stack {
  config: Config;
  events: DomainEvents;
  realtime: Realtime;
  /** The service's origin, e.g. http://localhost:41234. */
  service: string;
  /** The demo article's origin on another site, e.g. http://127.0.0.1:41235. */
  demo: string;
  wordpress: FakeOAuth2Provider;
  facebook: FakeOAuth2Provider;
  twitter: FakeOAuth1Provider;
  accounts: FakeAccounts;
  widgetDir: string;
  close(): Promise<void>;
}

/**
 * The real service on a free port (HTTP API, sign-in, live updates, widget), the demo article
 * server on a second origin, and fake WordPress.com, Twitter and Facebook sign-in servers.
 */
export async function startStack(env: Record<string, string> = {}): Promise<Stack> {
  const widgetDir = buildWidget();
  const accounts: FakeAccounts = {
    wordpress: {
      ID: 1001,
      username: "ann",
      display_name: "Ann Author",
      avatar_URL: null,
      profile_URL: "https://ann.example/",
      email: "ann@example.com",
      email_verified: true,
    },
    facebook: { id: "4004", name: "Fay Facebook", email: "fay@example.com" },
    twitter: {
      id_str: "2002",
      screen_name: "bob",
      name: "Bob Birdwatcher",
      profile_image_url_https: null,
    },
  };
  const wordpress = await new FakeOAuth2Provider({
    clientId: "wp-client",
    clientSecret: "wp-secret",
    paths: { authorize: "/oauth2/authorize", token: "/oauth2/token", me: "/rest/v1.1/me" },
    profile: accounts.wordpress,
  }).start();
  const facebook = await new FakeOAuth2Provider({
    clientId: "fb-app",
    clientSecret: "fb-secret",
    paths: {
      authorize: `/${FACEBOOK_GRAPH_VERSION}/dialog/oauth`,
      token: `/${FACEBOOK_GRAPH_VERSION}/oauth/access_token`,
      me: `/${FACEBOOK_GRAPH_VERSION}/me`,
    },
    profile: accounts.facebook,
    facebook: true,
  }).start();
  const twitter = await new FakeOAuth1Provider({
    consumerKey: "tw-key",
    consumerSecret: "tw-secret",
    profile: accounts.twitter,
  }).start();

  // Listen first: the public URL (OAuth callbacks, origins) needs the port.
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, resolve));
  const port = (server.address() as AddressInfo).port;
  const service = `http://localhost:${port}`;
  const config = loadConfig({
    LOG_LEVEL: "silent",
    POSTS_PER_MINUTE: "0",
    // Tests sign in many times a minute from one address; tests/auth/signInLimits.test.ts checks it.
    SIGN_INS_PER_MINUTE: "0",
    PORT: String(port),
    PUBLIC_URL: service,
    ...fakeProviderEnv({ wordpress, twitter, facebook }),
    ...env,
  });
  wordpress.redirectUri = `${service}/auth/wordpress/callback`;
  twitter.callbackUrl = `${service}/auth/twitter/callback`;
  facebook.redirectUri = `${service}/auth/facebook/callback`;

  const logger = pino({ level: "silent" });
  const events = new DomainEvents();
  const app = createApp({
    config,
    logger,
    events,
    postLimiter: new PostRateLimiter(0),
    widgetAssets: widgetAssets(widgetDir),
  });
  server.on("request", app);
  const realtime: Realtime = attachRealtime(server, { config, logger, events, countDelayMs: 50 });
  const demo = await startDemoServer(config, 0);
  await ensureDemoSite({ ...config, demoOrigins: [demo.origin] });

  return {
    config,
    events,
    realtime,
    service,
    demo: demo.origin,
    wordpress,
    facebook,
    twitter,
    accounts,
    widgetDir,
    async close() {
      await realtime.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await demo.close();
      await wordpress.close();
      await facebook.close();
      await twitter.close();
      fs.rmSync(widgetDir, { recursive: true, force: true });
    },
  };
}

const CHROMIUM = "/usr/bin/chromium";

/** Debian's chromium, installed by scripts/chromium.sh when missing. */
export async function launchChromium(
  opts: { blockThirdPartyCookies?: boolean } = {},
): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    execFileSync("bash", [path.join(projectRoot, "scripts", "chromium.sh")], { stdio: "inherit" });
  }
  const args = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
  ];
  // Chromium as it behaves once third-party cookies are gone: no cookies or storage access
  // for the widget's frame on another site.
  if (opts.blockThirdPartyCookies) args.push("--test-third-party-cookie-phaseout");
  const launch: LaunchOptions = { executablePath: CHROMIUM, headless: true, args };
  return chromium.launch(launch);
}

/** A fresh browser profile for one reader. */
export function newReader(
  browser: Browser,
  opts: { colorScheme?: "light" | "dark"; width?: number; height?: number } = {},
): Promise<BrowserContext> {
  return browser.newContext({
    viewport: { width: opts.width ?? 1100, height: opts.height ?? 900 },
    colorScheme: opts.colorScheme ?? "light",
    deviceScaleFactor: 1,
  });
}

export function screenshotPath(name: string): string {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  return path.join(ARTIFACTS, name);
}

/** Waits until embed.js has sized the widget's iframe to its content, so a screenshot is whole. */
export async function waitForFrameFit(page: Page, service: string): Promise<void> {
  const widget = page.frames().find((f) => f.url().startsWith(`${service}/widget`));
  if (!widget) throw new Error("the widget's frame is not on the page");
  for (let i = 0; i < 50; i++) {
    const content = await widget.evaluate(() =>
      Math.ceil(document.documentElement.getBoundingClientRect().height),
    );
    const frame = await page.locator("#comments iframe").evaluate((f) => f.clientHeight);
    if (Math.abs(content - frame) <= 1) return;
    await page.waitForTimeout(100);
  }
  throw new Error("the widget's frame never fitted its content");
}

/** Opens a demo article on the second origin and waits until the widget has loaded. */
export async function openArticle(stack: Stack, page: Page, post: string): Promise<FrameLocator> {
  await page.goto(`${stack.demo}/?post=${post}`);
  const frame = page.frameLocator('#comments iframe[title="Comments"]');
  await frame.locator("html[data-ready=true]").waitFor();
  return frame;
}
