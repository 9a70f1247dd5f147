import { useTestDatabase } from "../support/db";
import { makeSite, makeUser } from "../support/factories";
import { startRedis, type TestRedis } from "../support/redis";
import { ask, nextEvent, postComment, startInstance, type Instance } from "./instance";

useTestDatabase();

// Two instances on one database and one Redis, as behind a load balancer.
let redis: TestRedis;
let a: Instance;
let b: Instance;
beforeAll(async () => {
  redis = await startRedis();
  a = await startInstance({ redisUrl: redis.url });
  b = await startInstance({ redisUrl: redis.url });
}, 180_000);
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await redis?.stop();
});

describe("several instances on one Redis", () => {
  it("sends a reader on instance A a comment posted through instance B", async () => {
    const site = await makeSite();
    const socket = await a.connect();
    await ask(socket, "thread:join", { site: site._id, key: "shared" });
    const arrived = nextEvent<{ seq: number; comment: { id: string } }>(socket, "comment:created");
    const posted = await postComment(b, site._id, "shared", "from B");
    expect(posted.status).toBe(201);
    const event = await arrived;
    expect(event.comment.id).toBe(posted.body.id);
    expect(event.seq).toBe(1);
  });

  it("sends held comments to moderators on the other instance", async () => {
    const site = await makeSite({ settings: { preModeration: "all" } });
    const mod = await makeUser({ roles: [{ site: site._id, role: "moderator" }] });
    const socket = await a.connect({ token: mod.token });
    expect(await ask(socket, "moderation:join", { site: site._id })).toEqual({ ok: true });
    const queued = nextEvent<{ comment: { id: string } }>(socket, "queue:added");
    const held = await postComment(b, site._id, "queue", "hold me");
    expect(held.status).toBe(202);
    expect((await queued).comment.id).toBe(held.body.id);
  });

  it("counts readers on both instances", async () => {
    const site = await makeSite();
    const onA = await a.connect();
    const onB = await b.connect();
    const seenOnA = nextEvent(onA, "thread:count", (e) => e.readers === 2);
    const seenOnB = nextEvent(onB, "thread:count", (e) => e.readers === 2);
    await ask(onA, "thread:join", { site: site._id, key: "counted" });
    await ask(onB, "thread:join", { site: site._id, key: "counted" });
    expect(await seenOnA).toMatchObject({ site: site._id, key: "counted", readers: 2 });
    expect(await seenOnB).toMatchObject({ readers: 2 });
  });

  it("drops a logged-out token's socket on the other instance", async () => {
    const user = await makeUser();
    const socket = await a.connect({ token: user.token });
    const dropped = nextEvent<string>(socket, "disconnect");
    const res = await b.request("POST", "/auth/logout", undefined, user.token);
    expect(res.status).toBe(204);
    expect(await dropped).toBe("io server disconnect");
  });

  it("numbers one thread's events strictly across instances", async () => {
    const site = await makeSite();
    const socket = await a.connect();
    await ask(socket, "thread:join", { site: site._id, key: "both" });
    const seqs: number[] = [];
    const all = new Promise<void>((resolve) =>
      socket.on("comment:created", (e: { seq: number }) => {
        seqs.push(e.seq);
        if (seqs.length === 10) resolve();
      }),
    );
    // Posted through both instances at once: each event still gets its own seq.
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        postComment(i % 2 ? a : b, site._id, "both", `comment ${i}`),
      ),
    );
    await all;
    expect([...seqs].sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });
});
