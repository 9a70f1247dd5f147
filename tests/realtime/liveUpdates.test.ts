import { Types } from "mongoose";
import type { Socket as ClientSocket } from "socket.io-client";
import { changeStatus } from "../../server/services/commentStatus";
import { useTestDatabase } from "../support/db";
import { makeSite, makeUser } from "../support/factories";
import { ask, nextEvent, postComment, record, startInstance, type Instance } from "./instance";

useTestDatabase();

type Comment = { id: string; status: string; html: string; body?: string; score: number };
type CommentEvent = { seq?: number; site: string; key: string; comment: Comment };

let instance: Instance;
beforeAll(async () => {
  instance = await startInstance();
});
afterAll(async () => {
  await instance.stop();
});

async function reader(site: string, key: string, token?: string): Promise<ClientSocket> {
  const socket = await instance.connect({ token });
  const ack = await ask(socket, "thread:join", { site, key });
  expect(ack).toMatchObject({ ok: true, missed: [] });
  return socket;
}

async function moderatorOf(site: string) {
  const mod = await makeUser({ roles: [{ site, role: "moderator" }] });
  const socket = await instance.connect({ token: mod.token });
  expect(await ask(socket, "moderation:join", { site })).toEqual({ ok: true });
  return { ...mod, socket };
}

describe("live updates: thread:join", () => {
  it("sends a reader a comment posted over HTTP, as the API presents it to the public", async () => {
    const site = await makeSite();
    const socket = await reader(site._id, "post-1");
    const arrived = nextEvent<CommentEvent>(socket, "comment:created");
    const posted = await postComment(instance, site._id, "post-1", "Hello *there*");
    expect(posted.status).toBe(201);
    const event = await arrived;
    expect(event).toMatchObject({ seq: 1, site: site._id, key: "post-1" });
    expect(event.comment).toMatchObject({
      id: posted.body.id,
      status: "approved",
      html: "<p>Hello <em>there</em></p>",
      author: { name: "Guest", provider: "guest" },
    });
    // Neither the Markdown body nor the guest's email goes to readers.
    expect(event.comment.body).toBeUndefined();
    expect(JSON.stringify(event)).not.toContain("guest.secret@example.com");
  });

  it("keeps seq per thread: another thread's comments neither reach nor number this one", async () => {
    const site = await makeSite();
    const socket = await reader(site._id, "a");
    const events = record<CommentEvent>(socket, "comment:created");
    await postComment(instance, site._id, "b", "elsewhere");
    const arrived = nextEvent<CommentEvent>(socket, "comment:created");
    await postComment(instance, site._id, "a", "here");
    expect((await arrived).seq).toBe(1);
    expect(events.map((e) => e.key)).toEqual(["a"]);
  });

  it("reports the approved count and live readers with thread:count", async () => {
    const site = await makeSite();
    await postComment(instance, site._id, "counted", "one");
    const first = await instance.connect();
    const count = nextEvent(first, "thread:count", (e) => e.readers === 2);
    await ask(first, "thread:join", { site: site._id, key: "counted" });
    const second = await instance.connect();
    await ask(second, "thread:join", { site: site._id, key: "counted" });
    expect(await count).toEqual({ site: site._id, key: "counted", commentCount: 1, readers: 2 });
    const afterLeave = nextEvent(first, "thread:count", (e) => e.readers === 1);
    second.disconnect();
    expect(await afterLeave).toMatchObject({ readers: 1, commentCount: 1 });
  });
});

describe("live updates: held comments", () => {
  it("sends a held comment to its author and the moderators, never to readers", async () => {
    const site = await makeSite({ settings: { preModeration: "all" } });
    const author = await makeUser();
    const authorSocket = await reader(site._id, "held", author.token);
    const publicSocket = await reader(site._id, "held");
    const mod = await moderatorOf(site._id);
    const readerSaw = record<CommentEvent>(publicSocket, "comment:created");

    const toAuthor = nextEvent<CommentEvent>(authorSocket, "comment:created");
    const toQueue = nextEvent<{ comment: Comment }>(mod.socket, "queue:added");
    const held = await postComment(instance, site._id, "held", "Please approve me", author.token);
    expect(held.status).toBe(202);

    const own = await toAuthor;
    expect(own.seq).toBeUndefined();
    expect(own.comment).toMatchObject({ id: held.body.id, status: "pending" });
    expect(own.comment.body).toBe("Please approve me");
    const queued = await toQueue;
    expect(queued.comment).toMatchObject({ id: held.body.id, status: "pending" });
    expect(queued.comment.body).toBe("Please approve me");

    // A guest's held comment reaches moderators without the guest's email.
    const guestQueued = nextEvent<{ comment: Comment }>(mod.socket, "queue:added");
    await postComment(instance, site._id, "held", "guest waiting");
    expect(JSON.stringify(await guestQueued)).not.toContain("guest.secret@example.com");

    // A moderator's own comment is published at once: it is the first the reader ever sees.
    const published = nextEvent<CommentEvent>(publicSocket, "comment:created");
    const visible = await postComment(instance, site._id, "held", "Staff note", mod.token);
    expect(visible.status).toBe(201);
    expect((await published).comment.id).toBe(visible.body.id);
    expect(readerSaw.map((e) => e.comment.id)).toEqual([visible.body.id]);
  });

  it("takes a rejected held comment out of its author's view", async () => {
    const site = await makeSite({ settings: { preModeration: "all" } });
    const author = await makeUser();
    const authorSocket = await reader(site._id, "rejected", author.token);
    const mod = await moderatorOf(site._id);
    const shown = nextEvent<CommentEvent>(authorSocket, "comment:created");
    const held = await postComment(instance, site._id, "rejected", "not for print", author.token);
    await shown;

    const removed = nextEvent(authorSocket, "comment:deleted");
    const resolved = nextEvent(mod.socket, "queue:resolved");
    const res = await instance.request(
      "POST",
      `/api/v1/comments/${held.body.id as string}/moderation`,
      { action: "reject" },
      mod.token,
    );
    expect(res.status).toBe(200);
    // No seq: it never was in the thread's public log.
    expect(await removed).toEqual({ site: site._id, key: "rejected", id: held.body.id });
    expect(await resolved).toEqual({
      id: held.body.id,
      action: "reject",
      by: mod.user._id.toHexString(),
    });
  });

  it("turns an approval into comment:created for readers and queue:resolved for moderators", async () => {
    const site = await makeSite({ settings: { preModeration: "all" } });
    const publicSocket = await reader(site._id, "approve");
    const mod = await moderatorOf(site._id);
    const held = await postComment(instance, site._id, "approve", "Worth approving");
    expect(held.status).toBe(202);

    const arrived = nextEvent<CommentEvent>(publicSocket, "comment:created");
    const resolved = nextEvent(mod.socket, "queue:resolved");
    const approved = await instance.request(
      "POST",
      `/api/v1/comments/${held.body.id as string}/moderation`,
      { action: "approve" },
      mod.token,
    );
    expect(approved.status).toBe(200);

    const event = await arrived;
    expect(event.seq).toBe(1);
    expect(event.comment).toMatchObject({ id: held.body.id, status: "approved" });
    expect(event.comment.body).toBeUndefined();
    expect(await resolved).toEqual({
      id: held.body.id,
      action: "approve",
      by: mod.user._id.toHexString(),
    });
  });

  it("turns hiding an approved comment into comment:deleted for readers", async () => {
    const site = await makeSite();
    const publicSocket = await reader(site._id, "hide");
    const mod = await moderatorOf(site._id);
    const posted = await postComment(instance, site._id, "hide", "soon gone");
    const deleted = nextEvent<{ seq: number; id: string }>(publicSocket, "comment:deleted");
    const rejected = await instance.request(
      "POST",
      `/api/v1/comments/${posted.body.id as string}/moderation`,
      { action: "reject" },
      mod.token,
    );
    expect(rejected.status).toBe(200);
    expect(await deleted).toEqual({ seq: 2, site: site._id, key: "hide", id: posted.body.id });
  });

  it("makes one public event of one change announced twice in the same tick", async () => {
    const site = await makeSite({ settings: { preModeration: "all" } });
    const publicSocket = await reader(site._id, "twice");
    const mod = await makeUser({ roles: [{ site: site._id, role: "moderator" }] });
    const held = await postComment(instance, site._id, "twice", "announced twice");
    const created = record<CommentEvent>(publicSocket, "comment:created");
    const changed = await changeStatus(new Types.ObjectId(held.body.id as string), "approved");
    instance.events.publish("comment.moderated", {
      ...changed,
      action: "approve",
      by: mod.user._id.toHexString(),
    });
    instance.events.publish("comment.updated", changed);

    // A later comment gets the very next seq: the approval was numbered (and sent) once.
    const marker = nextEvent<CommentEvent>(publicSocket, "comment:created", (e) => e.seq === 2);
    await postComment(instance, site._id, "twice", "marker", mod.token);
    await marker;
    expect(created.map((e) => [e.seq, e.comment.id])).toEqual([
      [1, held.body.id],
      [2, expect.any(String)],
    ]);
  });
});

describe("live updates: edits, deletes and votes", () => {
  it("sends comment:updated, comment:voted and comment:deleted with consecutive seqs", async () => {
    const site = await makeSite();
    const author = await makeUser();
    const voter = await makeUser();
    const socket = await reader(site._id, "changes");
    const created = nextEvent<CommentEvent>(socket, "comment:created");
    const posted = await postComment(instance, site._id, "changes", "first draft", author.token);
    const { seq } = await created;
    const id = posted.body.id as string;

    const updated = nextEvent<CommentEvent>(socket, "comment:updated");
    const edit = await instance.request(
      "PATCH",
      `/api/v1/comments/${id}`,
      { body: "final **text**" },
      author.token,
    );
    expect(edit.status).toBe(200);
    const update = await updated;
    expect(update.seq).toBe(seq! + 1);
    expect(update.comment).toMatchObject({ id, html: "<p>final <strong>text</strong></p>" });
    expect(update.comment.body).toBeUndefined();

    const voted = nextEvent(socket, "comment:voted");
    const vote = await instance.request(
      "PUT",
      `/api/v1/comments/${id}/vote`,
      { value: 1 },
      voter.token,
    );
    expect(vote.status).toBe(200);
    expect(await voted).toEqual({ seq: seq! + 2, site: site._id, key: "changes", id, score: 1 });

    const deleted = nextEvent(socket, "comment:deleted");
    const del = await instance.request("DELETE", `/api/v1/comments/${id}`, undefined, author.token);
    expect(del.status).toBe(204);
    expect(await deleted).toEqual({ seq: seq! + 3, site: site._id, key: "changes", id });
  });
});
