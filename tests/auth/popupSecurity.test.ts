import crypto from "node:crypto";
import mongoose from "mongoose";
import { renderPopupPage } from "../../auth/popupPage";
import { providerDeadline } from "../../auth/providerDeadline";
import { AuthState } from "../../models/AuthState";
import { freePort } from "../../server/engine";
import { Session } from "../../models/Session";
import { useTestDatabase } from "../support/db";
import { makeSite } from "../support/factories";
import { CookieJar } from "./popupBrowser";
import {
  startSignInHarness,
  startUrl,
  type PopupResult,
  type SignInHarness,
} from "./signInHarness";

useTestDatabase();

const ORIGIN = "https://blog.example";
let h: SignInHarness;
/** Every message any popup in this file posted, for the "never '*'" check at the end. */
const allPosted: PopupResult["posted"] = [];

beforeAll(async () => {
  h = await startSignInHarness();
});
afterAll(() => h.close());

async function signIn(provider: string, site: string, origin = ORIGIN) {
  const run = await h.signIn(provider, site, origin);
  allPosted.push(...run.posted);
  return run;
}

async function open(url: string, opts?: Parameters<SignInHarness["open"]>[1]) {
  const run = await h.open(url, opts);
  allPosted.push(...run.posted);
  return run;
}

const isCallback = (url: string) => /\/auth\/[a-z]+\/callback\?/.test(url);

function invalidState(run: PopupResult) {
  expect(run.posted).toEqual([
    {
      targetOrigin: h.config.publicOrigin,
      message: {
        type: "comments:auth-error",
        error: { code: "invalid_state", message: expect.any(String) },
      },
    },
  ]);
  expect(run.final.headers.getSetCookie()).toEqual([]);
}

describe("GET /auth/:provider", () => {
  it.each(["twitter", "wordpress"])(
    "refuses an origin the site does not allow before contacting %s",
    async (provider) => {
      const site = await makeSite({ origins: [ORIGIN] });
      const fake = provider === "twitter" ? h.twitter : h.wordpress;
      const seen = fake.requestedUrls.length;
      const res = await fetch(startUrl(h.appUrl, provider, site._id, "https://evil.example"), {
        redirect: "manual",
      });
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({
        error: { code: "forbidden", message: expect.any(String) },
      });
      expect(fake.requestedUrls.length).toBe(seen);
      expect(await AuthState.countDocuments({ site: site._id })).toBe(0);
    },
  );

  it("allows the service's own origin (the widget's iframe) for every site", async () => {
    const site = await makeSite({ origins: [] });
    const run = await signIn("wordpress", site._id, h.config.publicOrigin);
    expect(run.posted.map((p) => [p.targetOrigin, p.message.type])).toEqual([
      [h.config.publicOrigin, "comments:auth"],
    ]);
  });

  it.each([
    ["a path after the origin", "https://blog.example/post", "query.origin"],
    ["a wildcard", "*", "query.origin"],
    ["a javascript: URL", "javascript:alert(1)", "query.origin"],
  ])("answers 400 for %s as origin", async (_what, origin, field) => {
    const site = await makeSite({ origins: [ORIGIN] });
    const res = await fetch(startUrl(h.appUrl, "wordpress", site._id, origin), {
      redirect: "manual",
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; details: Record<string, string> } };
    expect(body.error.code).toBe("invalid_request");
    expect(Object.keys(body.error.details)).toEqual([field]);
  });

  it("answers 400 without a site, and 404 for an unknown one", async () => {
    const missing = await fetch(`${h.appUrl}/auth/wordpress?origin=${ORIGIN}`);
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { error: { details: object } }).error.details).toHaveProperty(
      ["query.site"],
    );
    const unknown = await fetch(startUrl(h.appUrl, "wordpress", "no-such-site", ORIGIN));
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe("not_found");
  });

  it("answers 404 for a provider the site turned off, and leaves it out of /auth/providers", async () => {
    const site = await makeSite({ origins: [ORIGIN], settings: { providers: ["twitter"] } });
    const res = await fetch(startUrl(h.appUrl, "wordpress", site._id, ORIGIN), {
      redirect: "manual",
    });
    expect(res.status).toBe(404);
    expect(h.wordpress.requestedUrls.some((u) => u.includes(site._id))).toBe(false);
    const list = await fetch(`${h.appUrl}/auth/providers?site=${site._id}`);
    expect(await list.json()).toEqual([{ id: "twitter", name: "Twitter" }]);
  });
});

describe("GET /auth/:provider/callback", () => {
  it("refuses a state it never issued", async () => {
    invalidState(await open(`${h.appUrl}/auth/wordpress/callback?code=abc&state=forged-state`));
  });

  it("refuses a callback with neither a grant nor a refusal", async () => {
    const run = await open(`${h.appUrl}/auth/facebook/callback`);
    invalidState(run);
    expect(run.locations).toEqual([]);
  });

  it("refuses an expired state and uses it up", async () => {
    const site = await makeSite({ origins: [ORIGIN] });
    const jar = new CookieJar();
    const halfway = await open(startUrl(h.appUrl, "wordpress", site._id, ORIGIN), {
      jar,
      stopBefore: isCallback,
    });
    const state = new URL(halfway.final.url).searchParams.get("state")!;
    await AuthState.updateOne({ _id: state }, { $set: { expiresAt: new Date(Date.now() - 1) } });
    invalidState(await open(halfway.final.url, { jar }));
    expect(await AuthState.countDocuments({ _id: state })).toBe(0);
  });

  it("refuses a state issued for another provider", async () => {
    const site = await makeSite({ origins: [ORIGIN] });
    const jar = new CookieJar();
    const halfway = await open(startUrl(h.appUrl, "wordpress", site._id, ORIGIN), {
      jar,
      stopBefore: isCallback,
    });
    const { search } = new URL(halfway.final.url);
    invalidState(await open(`${h.appUrl}/auth/facebook/callback${search}`, { jar }));
  });

  it.each(["wordpress", "twitter"])(
    "refuses a %s callback finished in another browser (login CSRF)",
    async (provider) => {
      const site = await makeSite({ origins: [ORIGIN] });
      // The attacker starts a sign-in and approves it with their own account…
      const attacker = new CookieJar();
      const halfway = await open(startUrl(h.appUrl, provider, site._id, ORIGIN), {
        jar: attacker,
        stopBefore: isCallback,
      });
      const cookie = attacker.get(h.appUrl, "cs_auth");
      expect(cookie).toMatch(/^[A-Za-z0-9_-]{32}$/);
      // …and gets the victim's browser, which has a cs_auth cookie of its own from an earlier
      // sign-in, to open the callback: no session for the victim.
      const victim = new CookieJar();
      await open(startUrl(h.appUrl, provider, site._id, ORIGIN), {
        jar: victim,
        stopBefore: isCallback,
      });
      expect(victim.get(h.appUrl, "cs_auth")).toBeDefined();
      expect(victim.get(h.appUrl, "cs_auth")).not.toBe(cookie);
      invalidState(await open(halfway.final.url, { jar: victim }));
      // The handshake is used up, so the attacker's own browser cannot finish it either.
      invalidState(await open(halfway.final.url, { jar: attacker }));
    },
  );

  it("ties the handshake to the browser with an HttpOnly, SameSite=Lax cookie on /auth", async () => {
    const site = await makeSite({ origins: [ORIGIN] });
    const res = await fetch(startUrl(h.appUrl, "wordpress", site._id, ORIGIN), {
      redirect: "manual",
    });
    expect(res.status).toBe(302);
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith("cs_auth="));
    expect(cookie).toMatch(/; Path=\/auth;/);
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Lax/);
  });

  it.each([
    "/auth/wordpress/callback?code=a&state=%00",
    "/auth/wordpress/callback?code=a&state=x&state=y",
    "/auth/facebook/callback?code=a&code=b&state=%24where",
    "/auth/twitter/callback?oauth_token=a&oauth_token=b&oauth_verifier=c",
    "/auth/twitter/callback?denied=%00",
  ])("treats a malformed callback as an unknown state: %s", async (path) => {
    invalidState(await open(`${h.appUrl}${path}`));
    expect(h.logLines.some((l) => l.includes('"code":"internal_error"'))).toBe(false);
  });

  it("refuses an OAuth 1.0a request token it did not issue", async () => {
    invalidState(
      await open(`${h.appUrl}/auth/twitter/callback?oauth_token=made-up&oauth_verifier=x`),
    );
  });
});

describe("the fakes check our credentials", () => {
  let wrong: SignInHarness;
  beforeAll(async () => {
    wrong = await startSignInHarness({
      WORDPRESS_CLIENT_SECRET: "not-the-secret",
      TWITTER_CONSUMER_SECRET: "not-the-secret",
      FACEBOOK_APP_SECRET: "not-the-secret",
    });
  });
  afterAll(() => wrong.close());

  it.each(["wordpress", "twitter", "facebook"])(
    "a wrong %s secret ends in provider_error",
    async (provider) => {
      const site = await makeSite({ origins: [ORIGIN] });
      const run = await wrong.signIn(provider, site._id, ORIGIN);
      allPosted.push(...run.posted);
      expect(run.posted.map((p) => [p.targetOrigin, p.message])).toEqual([
        [
          ORIGIN,
          {
            type: "comments:auth-error",
            error: expect.objectContaining({ code: "provider_error" }),
          },
        ],
      ]);
      if (provider === "twitter")
        expect(wrong.twitter.badSignatures).toContain("/oauth/request_token");
    },
  );
});

describe("a provider that cannot be reached", () => {
  let down: SignInHarness;
  beforeAll(async () => {
    // A port nothing listens on: connections are refused, as with a provider that is down.
    const dead = `http://127.0.0.1:${await freePort()}`;
    down = await startSignInHarness({ TWITTER_API_URL: dead, FACEBOOK_GRAPH_URL: dead });
  });
  afterAll(() => down.close());

  it.each(["twitter", "facebook"])("%s ends in provider_error at the opener", async (provider) => {
    const site = await makeSite({ origins: [ORIGIN] });
    const run = await down.signIn(provider, site._id, ORIGIN);
    allPosted.push(...run.posted);
    expect(run.final.status).toBe(200);
    expect(run.posted).toEqual([
      {
        targetOrigin: ORIGIN,
        message: {
          type: "comments:auth-error",
          error: { code: "provider_error", message: expect.any(String) },
        },
      },
    ]);
    expect(down.logLines.some((l) => l.includes('"code":"provider_error"'))).toBe(true);
  });
});

describe("a provider that never answers", () => {
  const saved = providerDeadline.ms;
  beforeAll(() => {
    providerDeadline.ms = 300;
  });
  afterAll(() => {
    providerDeadline.ms = saved;
    h.twitter.behaviour.requestToken = "ok";
    h.facebook.behaviour.token = "ok";
    h.wordpress.behaviour.profile = "ok";
  });

  it.each([
    ["twitter", "the request token", () => (h.twitter.behaviour.requestToken = "hang")],
    ["facebook", "the access token", () => (h.facebook.behaviour.token = "hang")],
    ["wordpress", "the profile", () => (h.wordpress.behaviour.profile = "hang")],
  ])("%s: a hung call for %s ends in provider_error", async (provider, _step, hang) => {
    const site = await makeSite({ origins: [ORIGIN] });
    hang();
    const started = Date.now();
    const run = await signIn(provider, site._id);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(run.posted.map((p) => [p.targetOrigin, p.message])).toEqual([
      [
        ORIGIN,
        { type: "comments:auth-error", error: expect.objectContaining({ code: "provider_error" }) },
      ],
    ]);
  });
});

describe("security of the popup flow", () => {
  it("keeps session tokens out of every URL, redirect and log line", async () => {
    const site = await makeSite({ origins: [ORIGIN] });
    const seen: { urls: string[]; tokens: string[] } = { urls: [], tokens: [] };
    for (const provider of ["wordpress", "twitter", "facebook"]) {
      const run = await signIn(provider, site._id);
      seen.urls.push(...run.urls, ...run.locations);
      seen.tokens.push(run.posted[0]!.message.token as string);
    }
    const logout = await fetch(`${h.appUrl}/auth/logout`, {
      method: "POST",
      headers: { Authorization: `Bearer ${seen.tokens[0]}` },
    });
    expect(logout.status).toBe(204);
    seen.urls.push(
      ...h.wordpress.requestedUrls,
      ...h.twitter.requestedUrls,
      ...h.facebook.requestedUrls,
    );

    expect(seen.tokens).toHaveLength(3);
    const logs = h.logLines.join("");
    // The capture works: sign-ins are logged, by user id only.
    expect(h.logLines.filter((l) => l.includes('"signed in"')).length).toBeGreaterThanOrEqual(3);
    for (const token of seen.tokens) {
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      for (const url of seen.urls) expect(url).not.toContain(token);
      expect(logs).not.toContain(token);
    }
  });

  it("stores session tokens only as hashes", async () => {
    const site = await makeSite({ origins: [ORIGIN] });
    const run = await signIn("twitter", site._id);
    const token = run.posted[0]!.message.token as string;
    const hash = crypto.createHash("sha256").update(token).digest("hex");
    expect(await Session.exists({ _id: hash })).toBeTruthy();
    const db = mongoose.connection.db!;
    for (const { name } of await db.listCollections().toArray()) {
      const docs = await db.collection(name).find({}).toArray();
      expect(JSON.stringify(docs)).not.toContain(token);
    }
  });

  it("serves the callback page with its own nonce CSP, no-store, and an opener it can reach", async () => {
    const site = await makeSite({ origins: [ORIGIN] });
    const run = await signIn("facebook", site._id);
    const headers = run.final.headers;
    const csp = headers.get("content-security-policy")!;
    expect(csp).toMatch(/script-src 'nonce-[A-Za-z0-9+/=]{20,}'/);
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).toContain("default-src 'none'");
    expect(headers.get("cache-control")).toBe("no-store");
    // helmet's same-origin default would sever window.opener for a cross-origin opener.
    expect(headers.get("cross-origin-opener-policy")).toBe("unsafe-none");
    expect(run.closed).toBe(true);
  });

  it("keeps a hostile display name inert in the page and intact in the message", async () => {
    const site = await makeSite({ origins: [ORIGIN] });
    const name = `</script><script>alert(1)</script><!--`;
    const before = h.wordpress.profile;
    h.wordpress.profile = { ...before, ID: 777, username: "mallory", display_name: name };
    try {
      const run = await signIn("wordpress", site._id);
      expect(run.final.body).not.toContain("<script>alert(1)");
      expect(run.final.body.match(/<script/g)).toHaveLength(1);
      expect((run.posted[0]!.message.user as { name: string }).name).toBe(name);
    } finally {
      h.wordpress.profile = before;
    }
  });

  it("never posts to '*', and refuses to render a page that would", () => {
    expect(allPosted.length).toBeGreaterThan(10);
    for (const { targetOrigin } of allPosted) {
      expect(targetOrigin).not.toBe("*");
      expect(new URL(targetOrigin).origin).toBe(targetOrigin);
    }
    const msg = { type: "comments:auth-error" as const, error: { code: "x", message: "y" } };
    expect(() => renderPopupPage(msg, "*")).toThrow();
    expect(() => renderPopupPage(msg, "null")).toThrow();
    expect(() => renderPopupPage(msg, "https://a.example/path")).toThrow();
  });
});
