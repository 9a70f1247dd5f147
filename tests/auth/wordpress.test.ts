import { Identity, User } from "../../models/User";
import { useTestDatabase } from "../support/db";
import { makeSite } from "../support/factories";
import { startSignInHarness, wordpressMe, type SignInHarness } from "./signInHarness";

useTestDatabase();

let h: SignInHarness;
beforeAll(async () => {
  h = await startSignInHarness();
});
afterAll(() => h.close());

describe("GET /auth/wordpress", () => {
  it("signs in through WordPress.com and posts the token and user to the opener's origin", async () => {
    const site = await makeSite({ origins: ["https://blog.example"] });
    const run = await h.signIn("wordpress", site._id, "https://blog.example");

    expect(run.final.url).toMatch(/\/auth\/wordpress\/callback\?/);
    expect(run.urls.some((u) => u.startsWith(`${h.wordpress.url}/oauth2/authorize?`))).toBe(true);
    expect(h.wordpress.lastScope).toBe("auth");
    expect(run.posted).toHaveLength(1);
    const { message, targetOrigin } = run.posted[0]!;
    expect(targetOrigin).toBe("https://blog.example");
    expect(run.closed).toBe(true);
    expect(message.type).toBe("comments:auth");
    expect(message.token).toEqual(expect.stringMatching(/^[A-Za-z0-9_-]{43}$/));
    expect(message.user).toEqual({
      id: expect.any(String),
      name: "Ada Lovelace",
      avatarUrl: wordpressMe.avatar_URL,
      profileUrl: wordpressMe.profile_URL,
      provider: "wordpress",
      identities: [{ provider: "wordpress", username: "adalovelace" }],
      roles: {},
    });

    const me = await fetch(`${h.appUrl}/api/v1/me`, {
      headers: { Authorization: `Bearer ${String(message.token)}` },
    });
    expect(me.status).toBe(200);
    expect(await me.json()).toEqual(message.user);

    const user = await User.findById((message.user as { id: string }).id).lean();
    expect(user?.email).toBe("ada@example.com");
    expect(await Identity.findById("wordpress:4242").lean()).toMatchObject({
      username: "adalovelace",
    });
  });
});
