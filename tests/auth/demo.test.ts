import request from "supertest";
import { ensureDemoSite } from "../../server/services/sites";
import { makeApp } from "../support/app";
import { useTestDatabase } from "../support/db";
import { makeSite } from "../support/factories";

useTestDatabase();

/** The message the popup's page posts to its opener, read out of the page's script. */
function popupMessage(html: string): { type: string; token?: string; user?: { roles: object } } {
  const match = /var message = (.*);\n/.exec(html);
  if (!match) throw new Error(`no message in ${html}`);
  return JSON.parse(match[1]!) as { type: string; token?: string; user?: { roles: object } };
}

function stateOf(html: string): string {
  return /name="state" value="([^"]+)"/.exec(html)![1]!;
}

describe("the demo sign-in, on a loopback PUBLIC_URL off production", () => {
  const { app, config } = makeApp({ PUBLIC_URL: "http://localhost:3000" });
  const origin = config.publicOrigin;
  beforeEach(() => ensureDemoSite(config));

  it("is offered on the demo site only, named Demo", async () => {
    const providers = await request(app).get("/auth/providers?site=demo");
    expect(providers.body).toContainEqual({ id: "demo", name: "Demo" });
    const other = await makeSite();
    const elsewhere = await request(app).get(`/auth/providers?site=${other._id}`);
    expect(elsewhere.body).not.toContainEqual({ id: "demo", name: "Demo" });
    const thread = await request(app).get("/api/v1/sites/demo/threads/t");
    expect(thread.body.settings.providers).toContain("demo");
    expect((await request(app).get(`/auth/demo?site=${other._id}&origin=${origin}`)).status).toBe(
      404,
    );
  });

  it("asks for a name in the popup and signs in through the same callback page", async () => {
    const browser = request.agent(app);
    const form = await browser.get(`/auth/demo?site=demo&origin=${encodeURIComponent(origin)}`);
    expect(form.status).toBe(200);
    expect(form.text).toContain("Sign in as the demo site's moderator");
    const done = await browser
      .post("/auth/demo/callback")
      .type("form")
      .send({ state: stateOf(form.text), name: "Dana Demo", moderator: "1" });
    expect(done.status).toBe(200);
    const message = popupMessage(done.text);
    expect(message.type).toBe("comments:auth");
    expect(message.user).toMatchObject({
      name: "Dana Demo",
      provider: "demo",
      roles: { demo: "moderator" },
    });
    // The token and the cookie the popup set both work: the widget's and /admin's ways in.
    const me = await request(app).get("/api/v1/me").set("Authorization", `Bearer ${message.token}`);
    expect(me.body.name).toBe("Dana Demo");
    const queue = await browser.get("/api/v1/sites/demo/moderation/queue");
    expect(queue.status).toBe(200);

    // Without the box ticked, the same name signs in as a plain reader.
    const again = await browser.get(`/auth/demo?site=demo&origin=${encodeURIComponent(origin)}`);
    const plain = await browser
      .post("/auth/demo/callback")
      .type("form")
      .send({ state: stateOf(again.text), name: "Dana Demo" });
    expect(popupMessage(plain.text).user).toMatchObject({ roles: {} });
  });

  it("refuses a used state, another browser's state, an unknown origin, and asks again for an empty name", async () => {
    const browser = request.agent(app);
    const start = () => browser.get(`/auth/demo?site=demo&origin=${encodeURIComponent(origin)}`);
    const first = stateOf((await start()).text);
    await browser.post("/auth/demo/callback").type("form").send({ state: first, name: "A" });
    const replay = await browser
      .post("/auth/demo/callback")
      .type("form")
      .send({ state: first, name: "A" });
    expect(popupMessage(replay.text)).toMatchObject({
      type: "comments:auth-error",
      error: { code: "invalid_state" },
    });

    const other = stateOf((await start()).text);
    const stranger = await request(app)
      .post("/auth/demo/callback")
      .type("form")
      .send({ state: other, name: "B" });
    expect(popupMessage(stranger.text).type).toBe("comments:auth-error");

    const empty = await browser
      .post("/auth/demo/callback")
      .type("form")
      .send({ state: stateOf((await start()).text), name: "   " });
    expect(empty.status).toBe(400);
    expect(empty.text).toContain("Please give a name.");
    const named = await browser
      .post("/auth/demo/callback")
      .type("form")
      .send({ state: stateOf(empty.text), name: "C" });
    expect(popupMessage(named.text).type).toBe("comments:auth");

    const refused = await request(app).get(
      `/auth/demo?site=demo&origin=${encodeURIComponent("https://evil.example")}`,
    );
    expect(refused.status).toBe(403);
  });
});

describe.each([
  ["with NODE_ENV=production", { NODE_ENV: "production", PUBLIC_URL: "http://localhost:3000" }],
  ["on a public PUBLIC_URL", { PUBLIC_URL: "https://comments.example.com" }],
])("the demo sign-in %s", (_where, env) => {
  const { app, config } = makeApp(env);
  beforeEach(() => ensureDemoSite(config));

  it("does not exist", async () => {
    const providers = await request(app).get("/auth/providers?site=demo");
    expect(providers.body).not.toContainEqual(expect.objectContaining({ id: "demo" }));
    const thread = await request(app).get("/api/v1/sites/demo/threads/t");
    expect(thread.body.settings.providers).not.toContain("demo");
    const start = await request(app).get(
      `/auth/demo?site=demo&origin=${encodeURIComponent(config.publicOrigin)}`,
    );
    expect(start.status).toBe(404);
    const callback = await request(app)
      .post("/auth/demo/callback")
      .type("form")
      .send({ state: "x", name: "Eve" });
    expect(callback.status).toBe(404);
  });
});
