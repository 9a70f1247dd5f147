import { Thread } from "../../models/Thread";
import { EVENT_BUCKET, ThreadEvent } from "../../models/ThreadEvent";
import { useTestDatabase } from "../support/db";
import { makeSite } from "../support/factories";
import { ask, nextEvent, postComment, record, startInstance, type Instance } from "./instance";

useTestDatabase();

type Missed = { type: string; payload: { seq: number; comment: { id: string; html: string } } };
type JoinAck = { ok: true; seq: number; missed: Missed[]; truncated: boolean };

const running: Instance[] = [];
async function instance(opts: Parameters<typeof startInstance>[0] = {}) {
  const started = await startInstance(opts);
  running.push(started);
  return started;
}
afterAll(async () => {
  await Promise.all(running.map((i) => i.stop()));
});

/**
 * Posts comments one after another and returns their ids in posting order, once the last one has
 * been stored and sent (an observer in the thread received it), so a join after this sees all.
 */
async function postMany(on: Instance, site: string, key: string, bodies: string[]) {
  const observer = await on.connect();
  await ask(observer, "thread:join", { site, key });
  const ids: string[] = [];
  for (const body of bodies) {
    const res = await postComment(on, site, key, body);
    expect(res.status).toBe(201);
    ids.push(res.body.id as string);
  }
  await nextEvent<{ comment: { id: string } }>(
    observer,
    "comment:created",
    (e) => e.comment.id === ids[ids.length - 1],
  );
  observer.disconnect();
  return ids;
}

/** Joins and returns the last seq the client saw once the first comment arrived live. */
async function seeOneComment(on: Instance, site: string, key: string) {
  const socket = await on.connect();
  await ask(socket, "thread:join", { site, key });
  const arrived = nextEvent<{ seq: number }>(socket, "comment:created");
  await postComment(on, site, key, "seen live");
  const { seq } = await arrived;
  socket.disconnect();
  return seq;
}

/** Resolves once `check` holds; polls, with a generous limit. */
async function eventually(check: () => Promise<boolean>, timeoutMs = 10_000) {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("thread:join with since", () => {
  it("returns exactly the five comments a disconnected client missed, in order", async () => {
    const site = await makeSite();
    const server = await instance();
    const lastSeen = await seeOneComment(server, site._id, "missed");
    const bodies = ["one", "two", "three", "four", "five"];
    const ids = await postMany(server, site._id, "missed", bodies);

    const socket = await server.connect();
    const ack = (await ask(socket, "thread:join", {
      site: site._id,
      key: "missed",
      since: lastSeen,
    })) as JoinAck;
    expect(ack.ok).toBe(true);
    expect(ack.truncated).toBe(false);
    expect(ack.missed.map((m) => m.type)).toEqual(Array(5).fill("comment:created"));
    expect(ack.missed.map((m) => m.payload.seq)).toEqual([1, 2, 3, 4, 5].map((i) => lastSeen + i));
    expect(ack.missed.map((m) => m.payload.comment.id)).toEqual(ids);
    expect(ack.missed.map((m) => m.payload.comment.html)).toEqual(bodies.map((b) => `<p>${b}</p>`));
    expect(ack.seq).toBe(lastSeen + 5);

    // Live events continue right after the replayed ones.
    const live = nextEvent<{ seq: number }>(socket, "comment:created");
    await postComment(server, site._id, "missed", "six");
    expect((await live).seq).toBe(lastSeen + 6);
  });

  it("returns them after a restart: the log lives in the database, not the process", async () => {
    const site = await makeSite();
    const first = await instance();
    const lastSeen = await seeOneComment(first, site._id, "restart");
    await first.stop();

    const second = await instance();
    const ids = await postMany(second, site._id, "restart", ["a", "b", "c", "d", "e"]);
    const socket = await second.connect();
    const ack = (await ask(socket, "thread:join", {
      site: site._id,
      key: "restart",
      since: lastSeen,
    })) as JoinAck;
    expect(ack.truncated).toBe(false);
    expect(ack.missed.map((m) => m.payload.seq)).toEqual([1, 2, 3, 4, 5].map((i) => lastSeen + i));
    expect(ack.missed.map((m) => m.payload.comment.id)).toEqual(ids);
  });

  it("returns nothing, and the current seq, to a client that missed nothing", async () => {
    const site = await makeSite();
    const server = await instance();
    const lastSeen = await seeOneComment(server, site._id, "uptodate");
    const socket = await server.connect();
    expect(
      await ask(socket, "thread:join", { site: site._id, key: "uptodate", since: lastSeen }),
    ).toEqual({ ok: true, seq: lastSeen, missed: [], truncated: false });
    // A first join (no since) learns where the thread's log stands.
    const fresh = await server.connect();
    expect(await ask(fresh, "thread:join", { site: site._id, key: "uptodate" })).toEqual({
      ok: true,
      seq: lastSeen,
      missed: [],
      truncated: false,
    });
  });

  it("tells a client that missed more than the window to reload, and keeps the window", async () => {
    const site = await makeSite();
    const server = await instance({ eventWindow: 5 });
    const ids = await postMany(
      server,
      site._id,
      "window",
      Array.from({ length: 21 }, (_, i) => `c${i + 1}`),
    );
    const socket = await server.connect();
    const old = (await ask(socket, "thread:join", {
      site: site._id,
      key: "window",
      since: 0,
    })) as JoinAck;
    expect(old.truncated).toBe(true);
    // The window: the last 5 events.
    expect(old.missed.map((m) => m.payload.seq)).toEqual([17, 18, 19, 20, 21]);
    expect(old.seq).toBe(21);

    const recent = (await ask(socket, "thread:join", {
      site: site._id,
      key: "window",
      since: 18,
    })) as JoinAck;
    expect(recent.truncated).toBe(false);
    expect(recent.missed.map((m) => m.payload.comment.id)).toEqual(ids.slice(18));
  });

  it("gives each of many clients joining at once what it missed, while comments keep arriving", async () => {
    const site = await makeSite();
    const server = await instance();
    await postMany(
      server,
      site._id,
      "crowd",
      Array.from({ length: 10 }, (_, i) => `c${i + 1}`),
    );
    const sockets = await Promise.all(Array.from({ length: 40 }, () => server.connect()));
    const live = sockets.map((socket) => record<{ seq: number }>(socket, "comment:created"));
    const joins = sockets.map(
      (socket, i) =>
        ask(socket, "thread:join", {
          site: site._id,
          key: "crowd",
          since: i % 10,
        }) as Promise<JoinAck>,
    );
    const more = postMany(server, site._id, "crowd", ["c11", "c12"]);
    const acks = await Promise.all(joins);
    await more;
    // Whatever the ack did not carry arrived live: every client has every seq after its since, once.
    await eventually(async () =>
      acks.every((ack, i) => {
        const seen = [
          ...ack.missed.map((m) => m.payload.seq),
          ...live[i]!.map((e) => e.seq).filter((q) => q > ack.seq),
        ];
        return seen.length === 12 - (i % 10);
      }),
    );
    acks.forEach((ack, i) => {
      const seen = [
        ...ack.missed.map((m) => m.payload.seq),
        ...live[i]!.map((e) => e.seq).filter((q) => q > ack.seq),
      ];
      expect(seen).toEqual(Array.from({ length: 12 - (i % 10) }, (_, j) => (i % 10) + 1 + j));
    });
  });

  it("prunes events that fell out of the window, a whole bucket at a time", async () => {
    const site = await makeSite();
    const server = await instance({ eventWindow: 5 });
    await postMany(
      server,
      site._id,
      "prune",
      Array.from({ length: 2 * EVENT_BUCKET + 10 }, (_, i) => `p${i + 1}`),
    );
    const thread = await Thread.findOne({ site: site._id, key: "prune" }).lean();
    // Pruning does not hold up live events; wait until it has run.
    await eventually(
      async () =>
        (await ThreadEvent.countDocuments({ thread: thread!._id, seq: { $lt: EVENT_BUCKET } })) ===
        0,
    );
    expect(await ThreadEvent.countDocuments({ thread: thread!._id })).toBe(EVENT_BUCKET + 11);
  });

  it("tells a client whose seq this thread never reached to reload", async () => {
    const site = await makeSite();
    const server = await instance();
    await postMany(server, site._id, "future", ["only"]);
    const socket = await server.connect();
    expect(await ask(socket, "thread:join", { site: site._id, key: "future", since: 99 })).toEqual({
      ok: true,
      seq: 1,
      missed: [],
      truncated: true,
    });
  });
});
