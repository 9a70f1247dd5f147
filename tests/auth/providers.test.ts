import { AuthState } from "../../models/AuthState";
import { Session } from "../../models/Session";
import { Identity, User } from "../../models/User";
import type { FakeOAuth1Provider } from "../fakes/oauth1Provider";
import type { FakeOAuth2Provider } from "../fakes/oauth2Provider";
import { useTestDatabase } from "../support/db";
import { makeSite } from "../support/factories";
import {
  FB,
  facebookMe,
  startSignInHarness,
  twitterMe,
  wordpressMe,
  type SignInHarness,
} from "./signInHarness";

useTestDatabase();

let h: SignInHarness;
beforeAll(async () => {
  h = await startSignInHarness();
});
afterAll(() => h.close());

const ORIGIN = "https://blog.example";

interface ProviderCase {
  provider: "wordpress" | "twitter" | "facebook";
  fake: () => FakeOAuth2Provider | FakeOAuth1Provider;
  authorizePath: string;
  identityId: string;
  user: Record<string, unknown>;
  email: string;
  /** Makes the provider fail at the step that trades the grant for an access token. */
  breakTokenStep: (mode: "error500" | "garbage") => void;
}

const cases: ProviderCase[] = [
  {
    provider: "wordpress",
    fake: () => h.wordpress,
    authorizePath: "/oauth2/authorize",
    identityId: `wordpress:${wordpressMe.ID}`,
    user: {
      name: "Ada Lovelace",
      avatarUrl: wordpressMe.avatar_URL,
      profileUrl: wordpressMe.profile_URL,
      provider: "wordpress",
      identities: [{ provider: "wordpress", username: "adalovelace" }],
      roles: {},
      adminOfAllSites: false,
    },
    email: "ada@example.com",
    breakTokenStep: (mode) => (h.wordpress.behaviour.token = mode),
  },
  {
    provider: "twitter",
    fake: () => h.twitter,
    authorizePath: "/oauth/authenticate",
    identityId: `twitter:${twitterMe.id_str}`,
    user: {
      name: "Jack",
      avatarUrl: twitterMe.profile_image_url_https,
      profileUrl: "https://twitter.com/jack",
      provider: "twitter",
      identities: [{ provider: "twitter", username: "jack" }],
      roles: {},
      adminOfAllSites: false,
    },
    email: "jack@example.com",
    breakTokenStep: (mode) => (h.twitter.behaviour.accessToken = mode),
  },
  {
    provider: "facebook",
    fake: () => h.facebook,
    authorizePath: `/${FB}/dialog/oauth`,
    identityId: `facebook:${facebookMe.id}`,
    user: {
      name: "Mark Example",
      avatarUrl: facebookMe.picture.data.url,
      profileUrl: null,
      provider: "facebook",
      identities: [{ provider: "facebook", username: facebookMe.id }],
      roles: {},
      adminOfAllSites: false,
    },
    email: "mark@example.com",
    breakTokenStep: (mode) => (h.facebook.behaviour.token = mode),
  },
];

afterEach(() => {
  h.wordpress.behaviour = { consent: "approve", token: "ok", profile: "ok" };
  h.facebook.behaviour = { consent: "approve", token: "ok", profile: "ok" };
  h.twitter.behaviour = {
    consent: "approve",
    requestToken: "ok",
    accessToken: "ok",
    profile: "ok",
  };
});

describe.each(cases)("GET /auth/$provider", (c) => {
  it("signs in at the provider and posts the token and user to the opener's origin", async () => {
    const site = await makeSite({ origins: [ORIGIN] });
    const run = await h.signIn(c.provider, site._id, ORIGIN);

    expect(run.urls[1]).toMatch(new RegExp(`^${c.fake().url}${c.authorizePath}\\?`));
    expect(run.final.url).toMatch(new RegExp(`^${h.appUrl}/auth/${c.provider}/callback\\?`));
    expect(run.posted).toHaveLength(1);
    const { message, targetOrigin } = run.posted[0]!;
    expect(targetOrigin).toBe(ORIGIN);
    expect(run.closed).toBe(true);
    expect(message).toEqual({
      type: "comments:auth",
      token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      user: { id: expect.stringMatching(/^[0-9a-f]{24}$/), ...c.user },
    });

    const token = message.token as string;
    const me = await fetch(`${h.appUrl}/api/v1/me`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(me.status).toBe(200);
    expect(await me.json()).toEqual(message.user);

    // The same token as an HttpOnly, SameSite=Lax cookie for same-site pages such as /admin.
    const setCookie = run.final.headers.getSetCookie().find((l) => l.startsWith("cs_session="));
    expect(setCookie).toBeDefined();
    expect(setCookie).toContain(`cs_session=${token};`);
    expect(setCookie).toMatch(/; HttpOnly/i);
    expect(setCookie).toMatch(/; SameSite=Lax/i);
    expect(setCookie).not.toMatch(/; Secure/i);

    const identity = await Identity.findById(c.identityId).lean();
    expect(identity?.user.toHexString()).toBe((message.user as { id: string }).id);
    expect((await User.findById(identity!.user).lean())?.email).toBe(c.email);
    // The handshake was used up.
    expect(await AuthState.countDocuments({ provider: c.provider })).toBe(0);
  });

  it("finds the same user on the next sign-in and refreshes their profile", async () => {
    const site = await makeSite({ origins: [ORIGIN] });
    const first = await h.signIn(c.provider, site._id, ORIGIN);
    const fake = c.fake();
    const before = { ...fake.profile };
    fake.profile = { ...before, name: "Renamed Person", display_name: "Renamed Person" };
    try {
      const second = await h.signIn(c.provider, site._id, ORIGIN);
      const u1 = first.posted[0]!.message.user as { id: string };
      const u2 = second.posted[0]!.message.user as { id: string; name: string };
      expect(u2.id).toBe(u1.id);
      expect(u2.name).toBe("Renamed Person");
      expect(await Identity.countDocuments({ _id: c.identityId })).toBe(1);
      expect((await User.findById(u1.id).lean())?.name).toBe("Renamed Person");
    } finally {
      fake.profile = before;
    }
  });

  it("tells the opener access_denied when the user refuses at the provider", async () => {
    const site = await makeSite({ origins: [ORIGIN] });
    c.fake().behaviour.consent = "deny";
    const sessions = await Session.countDocuments();
    const run = await h.signIn(c.provider, site._id, ORIGIN);
    expect(run.posted).toEqual([
      {
        targetOrigin: ORIGIN,
        message: {
          type: "comments:auth-error",
          error: { code: "access_denied", message: expect.any(String) },
        },
      },
    ]);
    expect(run.final.headers.getSetCookie()).toEqual([]);
    expect(await Session.countDocuments()).toBe(sessions);
    expect(await AuthState.countDocuments({ provider: c.provider })).toBe(0);
  });

  it.each(["error500", "garbage"] as const)(
    "tells the opener provider_error when the token step answers %s",
    async (mode) => {
      const site = await makeSite({ origins: [ORIGIN] });
      c.breakTokenStep(mode);
      const run = await h.signIn(c.provider, site._id, ORIGIN);
      expect(run.final.status).toBe(200);
      expect(run.final.body).not.toMatch(/at .*\.js:\d+/);
      expect(run.posted).toEqual([
        {
          targetOrigin: ORIGIN,
          message: {
            type: "comments:auth-error",
            error: { code: "provider_error", message: expect.any(String) },
          },
        },
      ]);
    },
  );

  it.each(["error500", "garbage"] as const)(
    "tells the opener provider_error when the profile answers %s",
    async (mode) => {
      const site = await makeSite({ origins: [ORIGIN] });
      c.fake().behaviour.profile = mode;
      const run = await h.signIn(c.provider, site._id, ORIGIN);
      expect(run.posted.map((p) => [p.targetOrigin, p.message])).toEqual([
        [
          ORIGIN,
          {
            type: "comments:auth-error",
            error: expect.objectContaining({ code: "provider_error" }),
          },
        ],
      ]);
    },
  );

  it("refuses a replayed callback, answering only the service's own origin", async () => {
    const site = await makeSite({ origins: [ORIGIN] });
    const run = await h.signIn(c.provider, site._id, ORIGIN);
    expect(run.posted[0]!.message.type).toBe("comments:auth");
    const replay = await h.open(run.final.url);
    expect(replay.posted).toEqual([
      {
        targetOrigin: h.config.publicOrigin,
        message: {
          type: "comments:auth-error",
          error: { code: "invalid_state", message: expect.any(String) },
        },
      },
    ]);
    expect(replay.final.headers.getSetCookie()).toEqual([]);
  });
});

describe("GET /auth/twitter (OAuth 1.0a)", () => {
  it("signs every call to Twitter with HMAC-SHA1 and asks for the email", async () => {
    const site = await makeSite({ origins: [ORIGIN] });
    const run = await h.signIn("twitter", site._id, ORIGIN);
    expect(run.posted[0]!.message.type).toBe("comments:auth");
    expect(h.twitter.badSignatures).toEqual([]);
    expect(h.twitter.requestedUrls).toEqual(
      expect.arrayContaining([
        "/oauth/request_token",
        "/oauth/access_token",
        expect.stringMatching(/^\/1\.1\/account\/verify_credentials\.json\?.*include_email=true/),
      ]),
    );
  });

  it("tells the opener provider_error when no request token can be had, without redirecting", async () => {
    const site = await makeSite({ origins: [ORIGIN] });
    h.twitter.behaviour.requestToken = "error500";
    const run = await h.signIn("twitter", site._id, ORIGIN);
    expect(run.locations).toEqual([]);
    expect(run.posted).toEqual([
      {
        targetOrigin: ORIGIN,
        message: {
          type: "comments:auth-error",
          error: { code: "provider_error", message: expect.any(String) },
        },
      },
    ]);
    expect(await AuthState.countDocuments({ provider: "twitter" })).toBe(0);
  });
});

describe("GET /auth/facebook (Graph API)", () => {
  it("asks for explicit profile fields at the pinned Graph API version, with appsecret_proof", async () => {
    const site = await makeSite({ origins: [ORIGIN] });
    const run = await h.signIn("facebook", site._id, ORIGIN);
    expect(run.posted[0]!.message.type).toBe("comments:auth");
    expect(FB).toMatch(/^v\d+\.0$/);
    expect(h.facebook.lastScope).toBe("email");
    expect(String(h.facebook.lastProfileQuery.fields).split(",").sort()).toEqual([
      "email",
      "id",
      "name",
      "picture.type(large)",
    ]);
    expect(h.facebook.lastProfileQuery.appsecret_proof).toMatch(/^[0-9a-f]{64}$/);
  });
});
