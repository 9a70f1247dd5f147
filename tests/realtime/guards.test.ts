import { resolveToken } from "../../auth/sessions";
import { useTestDatabase } from "../support/db";
import { makeSite, makeUser } from "../support/factories";
import { ask, nextEvent, startInstance, type Instance } from "./instance";

useTestDatabase();

let instance: Instance;
beforeAll(async () => {
  instance = await startInstance({ limits: { maxThreads: 2 } });
});
afterAll(async () => {
  await instance.stop();
});

type ErrorAck = { ok: false; error: { code: string; message: string } };

async function connectError(opts: Parameters<Instance["connect"]>[0]) {
  const err = await instance.connect(opts).then(
    () => null,
    (e: Error & { data?: { code: string } }) => e,
  );
  expect(err).not.toBeNull();
  return err!;
}

describe("socket emits: validation", () => {
  it("answers malformed emits with error acks and keeps the socket up", async () => {
    const site = await makeSite();
    const socket = await instance.connect();
    const bad: unknown[][] = [
      [{}],
      [{ site: "Not A Slug", key: "k" }],
      [{ site: site._id }],
      [{ site: site._id, key: "" }],
      [{ site: site._id, key: "k", since: -1 }],
      [{ site: site._id, key: "k", since: "5" }],
      [{ site: site._id, key: "k", extra: true }],
      [{ site: site._id, key: "k\u0000" }],
      [{ site: site._id, key: "x".repeat(500) }],
      ["thread"],
      [42],
      [null],
      [],
    ];
    for (const args of bad) {
      const ack = (await ask(socket, "thread:join", ...args)) as ErrorAck;
      expect(ack.ok).toBe(false);
      expect(ack.error.code).toBe("invalid_request");
      expect(typeof ack.error.message).toBe("string");
    }
    expect(await ask(socket, "no:such:event", { a: 1 })).toMatchObject({
      ok: false,
      error: { code: "unknown_event" },
    });
    expect(await ask(socket, "thread:join", { site: "no-such-site", key: "k" })).toMatchObject({
      ok: false,
      error: { code: "not_found" },
    });
    // Emits without an ack are dropped quietly; the socket still answers afterwards.
    socket.emit("thread:join", { bogus: true });
    expect(socket.connected).toBe(true);
    expect(await ask(socket, "thread:join", { site: site._id, key: "k" })).toMatchObject({
      ok: true,
    });
  });

  it("limits the threads one socket may join", async () => {
    const site = await makeSite();
    const socket = await instance.connect();
    expect(await ask(socket, "thread:join", { site: site._id, key: "one" })).toMatchObject({
      ok: true,
    });
    expect(await ask(socket, "thread:join", { site: site._id, key: "two" })).toMatchObject({
      ok: true,
    });
    // Joining one already joined again is fine; a third is not, until one is left.
    expect(await ask(socket, "thread:join", { site: site._id, key: "two" })).toMatchObject({
      ok: true,
    });
    expect(await ask(socket, "thread:join", { site: site._id, key: "three" })).toMatchObject({
      ok: false,
      error: { code: "too_many_rooms" },
    });
    expect(await ask(socket, "thread:leave", { site: site._id, key: "one" })).toEqual({
      ok: true,
    });
    expect(await ask(socket, "thread:join", { site: site._id, key: "three" })).toMatchObject({
      ok: true,
    });
  });

  it("rate-limits a socket that floods, without dropping it", async () => {
    const site = await makeSite();
    const socket = await instance.connect();
    const acks = (await Promise.all(
      Array.from({ length: 40 }, () => ask(socket, "thread:leave", { site: site._id, key: "k" })),
    )) as ({ ok: true } | ErrorAck)[];
    const limited = acks.filter((a) => !a.ok && a.error.code === "rate_limited");
    expect(limited.length).toBeGreaterThan(0);
    expect(acks.filter((a) => a.ok).length).toBeGreaterThan(0);
    expect(socket.connected).toBe(true);
  });
});

describe("socket handshake", () => {
  it("refuses an invalid token", async () => {
    const err = await connectError({ token: "not-a-real-token-but-long-enough" });
    expect(err.data?.code).toBe("unauthenticated");
  });

  it("checks a browser's Origin against the site's allowed origins", async () => {
    const site = await makeSite({ origins: ["https://blog.example"] });
    await expect(
      instance.connect({ site: site._id, origin: "https://blog.example" }),
    ).resolves.toBeTruthy();
    expect(
      (await connectError({ site: site._id, origin: "https://evil.example" })).data?.code,
    ).toBe("forbidden");
    // A foreign origin must say which site it embeds.
    expect((await connectError({ origin: "https://blog.example" })).data?.code).toBe("forbidden");
    // The service's own origin (the widget's iframe) may connect for any site.
    await expect(instance.connect({ origin: instance.config.publicOrigin })).resolves.toBeTruthy();
  });

  it("accepts the session cookie from the service's own pages only", async () => {
    const site = await makeSite({ origins: ["https://blog.example"] });
    const mod = await makeUser({ roles: [{ site: site._id, role: "moderator" }] });
    const cookie = `theme=dark; cs_session=${mod.token}`;
    const own = await instance.connect({ cookie, origin: instance.config.publicOrigin });
    expect(await ask(own, "moderation:join", { site: site._id })).toEqual({ ok: true });
    // A page of another origin gets no identity from a cookie, even an allowed one.
    const foreign = await instance.connect({
      cookie,
      site: site._id,
      origin: "https://blog.example",
    });
    expect(await ask(foreign, "moderation:join", { site: site._id })).toMatchObject({
      ok: false,
      error: { code: "unauthenticated" },
    });
    // A stale cookie leaves the socket anonymous rather than refused.
    const stale = await instance.connect({
      cookie: "cs_session=stale-token-that-matches-no-session",
      origin: instance.config.publicOrigin,
    });
    expect(stale.connected).toBe(true);
  });

  it("keeps a socket opened for one site out of another site's rooms", async () => {
    const mine = await makeSite({ origins: ["https://blog.example"] });
    const other = await makeSite();
    const socket = await instance.connect({ site: mine._id, origin: "https://blog.example" });
    expect(await ask(socket, "thread:join", { site: other._id, key: "k" })).toMatchObject({
      ok: false,
      error: { code: "forbidden" },
    });
    expect(await ask(socket, "thread:join", { site: mine._id, key: "k" })).toMatchObject({
      ok: true,
    });
  });
});

describe("moderation:join", () => {
  it("admits the site's moderators only", async () => {
    const site = await makeSite();
    const anonymous = await instance.connect();
    expect(await ask(anonymous, "moderation:join", { site: site._id })).toMatchObject({
      ok: false,
      error: { code: "unauthenticated" },
    });
    const reader = await makeUser();
    const readerSocket = await instance.connect({ token: reader.token });
    expect(await ask(readerSocket, "moderation:join", { site: site._id })).toMatchObject({
      ok: false,
      error: { code: "forbidden" },
    });
    const elsewhere = await makeUser({ roles: [{ site: "another-site", role: "admin" }] });
    const elsewhereSocket = await instance.connect({ token: elsewhere.token });
    expect(await ask(elsewhereSocket, "moderation:join", { site: site._id })).toMatchObject({
      ok: false,
      error: { code: "forbidden" },
    });
    const mod = await makeUser({ roles: [{ site: site._id, role: "moderator" }] });
    const modSocket = await instance.connect({ token: mod.token });
    expect(await ask(modSocket, "moderation:join", { site: site._id })).toEqual({ ok: true });
  });
});

describe("signing out", () => {
  it("drops the sockets of a logged-out token at once, and refuses the token after", async () => {
    const user = await makeUser();
    const other = await makeUser();
    const socket = await instance.connect({ token: user.token });
    const bystander = await instance.connect({ token: other.token });
    const dropped = nextEvent<string>(socket, "disconnect");
    const res = await instance.request("POST", "/auth/logout", undefined, user.token);
    expect(res.status).toBe(204);
    expect(await dropped).toBe("io server disconnect");
    expect(bystander.connected).toBe(true);
    expect((await connectError({ token: user.token })).data?.code).toBe("unauthenticated");
  });

  it("drops a user's sockets on a site that bans them", async () => {
    const site = await makeSite();
    const user = await makeUser();
    const admin = await makeUser({ roles: [{ site: site._id, role: "admin" }] });
    const socket = await instance.connect({ token: user.token });
    await ask(socket, "thread:join", { site: site._id, key: "k" });
    const dropped = nextEvent<string>(socket, "disconnect");
    const ban = await instance.request(
      "POST",
      `/api/v1/sites/${site._id}/bans`,
      { userId: user.user._id.toHexString(), reason: "abuse" },
      admin.token,
    );
    expect(ban.status).toBe(201);
    expect(await dropped).toBe("io server disconnect");
  });

  it("drops the socket when a revocation is announced by the service itself", async () => {
    const user = await makeUser();
    const socket = await instance.connect({ token: user.token });
    const session = await resolveToken(user.token);
    const dropped = nextEvent<string>(socket, "disconnect");
    instance.events.publish("session.revoked", {
      sessionId: session!.sessionId,
      userId: user.user._id.toHexString(),
    });
    expect(await dropped).toBe("io server disconnect");
  });
});
