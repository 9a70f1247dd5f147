import request from "supertest";
import { AdminError, UsageError, runAdmin } from "../../scripts/admin";
import { Site } from "../../models/Site";
import { Identity, User, type UserDoc } from "../../models/User";
import { canAdminister, canModerate, siteRole } from "../../server/policies";
import { makeApp } from "../support/app";
import { useTestDatabase } from "../support/db";
import { makeSite, makeUser } from "../support/factories";
import { startSignInHarness } from "./signInHarness";

useTestDatabase();

const viewerOf = (user: UserDoc) => ({ user, sessionId: null, ip: null });

async function withIdentity(provider: "twitter" | "wordpress" | "sso", username: string) {
  const made = await makeUser({ provider });
  await Identity.create({
    _id: `${provider}:${made.user._id.toHexString()}`,
    provider,
    providerId: made.user._id.toHexString(),
    username,
    user: made.user._id,
  });
  return made;
}

describe("site roles", () => {
  it("a moderator of one site is nobody on another", async () => {
    const a = await makeSite();
    const b = await makeSite();
    const { user, auth } = await makeUser({ roles: [{ site: a._id, role: "moderator" }] });
    expect(canModerate(viewerOf(user), a._id)).toBe(true);
    expect(canModerate(viewerOf(user), b._id)).toBe(false);
    expect(canAdminister(viewerOf(user), a._id)).toBe(false);

    const { app } = makeApp();
    const own = await request(app).get(`/api/v1/sites/${a._id}/moderation/queue`).set(auth);
    expect(own.status).toBe(200);
    const other = await request(app).get(`/api/v1/sites/${b._id}/moderation/queue`).set(auth);
    expect(other.status).toBe(403);
    expect(other.body.error.code).toBe("forbidden");
  });

  it("an admin of every site administers sites created after they signed in", async () => {
    const { user } = await makeUser();
    await User.updateOne({ _id: user._id }, { $set: { adminOfAllSites: true } });
    const later = await makeSite();
    const fresh = (await User.findById(user._id).lean())!;
    expect(siteRole(fresh, later._id)).toBe("admin");
    expect(canAdminister(viewerOf(fresh), later._id)).toBe(true);
  });
});

describe("ADMIN_IDENTITIES", () => {
  it("makes a listed identity admin of every site at sign-in, and an unlisted one nothing", async () => {
    const site = await makeSite({ origins: ["https://blog.example"] });
    const h = await startSignInHarness({ ADMIN_IDENTITIES: "twitter:JACK" });
    try {
      const jack = await h.signIn("twitter", site._id, "https://blog.example");
      const user = jack.posted[0]!.message.user as { id: string; roles: Record<string, string> };
      expect(user.roles[site._id]).toBe("admin");
      expect(Object.values(user.roles).every((r) => r === "admin")).toBe(true);
      expect(Object.keys(user.roles).sort()).toEqual(
        (await Site.find({}, { _id: 1 }).lean()).map((s) => s._id).sort(),
      );

      const ada = await h.signIn("wordpress", site._id, "https://blog.example");
      expect((ada.posted[0]!.message.user as { roles: object }).roles).toEqual({});
      const created = await makeSite();
      const me = await fetch(`${h.appUrl}/api/v1/me`, {
        headers: { Authorization: `Bearer ${String(jack.posted[0]!.message.token)}` },
      });
      expect(((await me.json()) as { roles: Record<string, string> }).roles[created._id]).toBe(
        "admin",
      );
    } finally {
      await h.close();
    }
    // Taken off the list, the same account loses the grant at its next sign-in.
    const h2 = await startSignInHarness();
    try {
      const again = await h2.signIn("twitter", site._id, "https://blog.example");
      expect((again.posted[0]!.message.user as { roles: object }).roles).toEqual({});
    } finally {
      await h2.close();
    }
  });
});

describe("npm run admin", () => {
  it("grants, replaces and revokes a role by provider:username", async () => {
    const site = await makeSite();
    const { user } = await withIdentity("twitter", "Linus");

    expect(await runAdmin(["grant", "twitter:linus", site._id, "moderator"])).toMatch(/moderator/);
    expect((await User.findById(user._id).lean())!.roles).toEqual([
      { site: site._id, role: "moderator" },
    ]);
    await runAdmin(["grant", "twitter:linus", site._id, "admin"]);
    expect((await User.findById(user._id).lean())!.roles).toEqual([
      { site: site._id, role: "admin" },
    ]);
    await runAdmin(["revoke", "twitter:linus", site._id]);
    expect((await User.findById(user._id).lean())!.roles).toEqual([]);
  });

  it("grants a role to a host site's reader by sso:<site>:<sub>", async () => {
    const site = await makeSite();
    const { user } = await withIdentity("sso", `${site._id}:reader-7`);
    await runAdmin(["grant", `sso:${site._id}:reader-7`, site._id, "moderator"]);
    expect((await User.findById(user._id).lean())!.roles).toEqual([
      { site: site._id, role: "moderator" },
    ]);
  });

  it("keeps roles on other sites when changing one", async () => {
    const a = await makeSite();
    const b = await makeSite();
    const { user } = await withIdentity("wordpress", "margaret");
    await runAdmin(["grant", "wordpress:margaret", a._id, "admin"]);
    await runAdmin(["grant", "wordpress:margaret", b._id, "moderator"]);
    await runAdmin(["revoke", "wordpress:margaret", a._id]);
    expect((await User.findById(user._id).lean())!.roles).toEqual([
      { site: b._id, role: "moderator" },
    ]);
  });

  it("creates a site with its allowed origins and the default rules", async () => {
    const out = await runAdmin([
      "create-site",
      "news-room",
      "--name",
      "The News",
      "--origin",
      "https://news.example/",
      "--origin",
      "http://localhost:8080",
    ]);
    expect(out).toContain("news-room");
    const site = (await Site.findById("news-room").lean())!;
    expect(site.name).toBe("The News");
    expect(site.origins).toEqual(["https://news.example", "http://localhost:8080"]);
    expect(site.settings.preModeration).toBe("first_comment");
  });

  it.each([
    [["grant", "twitter:nobody-here", "x", "moderator"], AdminError],
    [["grant", "jack", "x", "moderator"], UsageError],
    [["grant", "twitter:jack", "x"], UsageError],
    [["frobnicate"], UsageError],
    [["create-site", "Bad Slug", "--name", "x"], UsageError],
    [["create-site", "ok-slug", "--origin", "https://a.example"], UsageError],
    [["create-site", "ok-slug", "--name", "x", "--origin", "https://a.example/path"], UsageError],
  ])("refuses %j", async (argv, kind) => {
    if (argv[0] === "grant" && argv[1] === "twitter:nobody-here") await makeSite({ slug: "x" });
    await expect(runAdmin(argv)).rejects.toBeInstanceOf(kind);
  });

  it("refuses a role other than moderator or admin, and an unknown site", async () => {
    const site = await makeSite();
    await withIdentity("twitter", "ken");
    await expect(runAdmin(["grant", "twitter:ken", site._id, "owner"])).rejects.toBeInstanceOf(
      UsageError,
    );
    await expect(runAdmin(["grant", "twitter:ken", "no-such", "admin"])).rejects.toBeInstanceOf(
      AdminError,
    );
  });
});
