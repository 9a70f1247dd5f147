import request from "supertest";
import { BucketList } from "../../models/BucketList";
import { LIST_BUCKET } from "../../server/services/bucketLists";
import { queueList } from "../../server/services/moderationQueue";
import { makeApp } from "../support/app";
import { useTestDatabase } from "../support/db";
import { makeComment, makeSite, makeUser } from "../support/factories";

useTestDatabase();
const { app } = makeApp();
const api = (p: string) => `/api/v1${p}`;

/** Every page of a moderation listing, following nextCursor. */
async function allPages(url: string, auth: Record<string, string>, limit: number) {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const res: request.Response = await request(app)
      .get(
        `${url}${url.includes("?") ? "&" : "?"}limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`,
      )
      .set(auth);
    expect(res.status).toBe(200);
    const list = (res.body.items ?? res.body.entries) as { comment?: { id: string }; id: string }[];
    ids.push(...list.map((i) => i.comment?.id ?? i.id));
    cursor = res.body.nextCursor;
    pages++;
  } while (cursor && pages < 100);
  return ids;
}

describe("moderation lists kept in buckets", () => {
  it("pages a queue longer than a bucket newest first, without gaps or repeats, after moderators took some out", async () => {
    const site = await makeSite({ settings: { preModeration: "all" } });
    const mod = await makeUser({ roles: [{ site: site._id, role: "moderator" }] });
    const posted: string[] = [];
    for (let i = 0; i < LIST_BUCKET + 20; i++) {
      posted.push((await makeComment(site._id, `t${i % 3}`))._id.toHexString());
    }
    expect(await allPages(api(`/sites/${site._id}/moderation/queue`), mod.auth, 100)).toEqual(
      [...posted].reverse(),
    );
    const approveNow = posted.filter((_, i) => i % 3 === 0 || i < 10);
    const held = posted.filter((id) => !approveNow.includes(id));
    for (const id of approveNow) {
      await request(app)
        .post(api(`/comments/${id}/moderation`))
        .set(mod.auth)
        .send({ action: "approve" })
        .expect(200);
    }
    const pages = await allPages(api(`/sites/${site._id}/moderation/queue`), mod.auth, 7);
    expect(pages).toEqual([...held].reverse());
    // Departures are counted per bucket, so emptied buckets can be skipped.
    const list = await BucketList.findById(queueList(site._id, "pending")).lean();
    expect(Object.values(list!.left).reduce((a, b) => a + b, 0)).toBe(approveNow.length);
  });

  it("lists flagged comments once each, and drops them from the list when approved", async () => {
    const site = await makeSite();
    const mod = await makeUser({ roles: [{ site: site._id, role: "moderator" }] });
    const flagger = await makeUser();
    const other = await makeUser();
    const a = await makeComment(site._id, "f");
    const b = await makeComment(site._id, "f");
    for (const [c, who] of [
      [a, flagger],
      [a, other],
      [b, flagger],
    ] as const) {
      await request(app)
        .post(api(`/comments/${c._id.toHexString()}/flags`))
        .set(who.auth)
        .send({ reason: "spam" })
        .expect(201);
    }
    const url = api(`/sites/${site._id}/moderation/queue?status=flagged`);
    expect(await allPages(url, mod.auth, 1)).toEqual([b._id.toHexString(), a._id.toHexString()]);
    await request(app)
      .post(api(`/comments/${b._id.toHexString()}/moderation`))
      .set(mod.auth)
      .send({ action: "approve" })
      .expect(200);
    expect(await allPages(url, mod.auth, 10)).toEqual([a._id.toHexString()]);
  });

  it("pages the moderation log newest first across buckets", async () => {
    const site = await makeSite();
    const mod = await makeUser({ roles: [{ site: site._id, role: "moderator" }] });
    const c = await makeComment(site._id, "log");
    const actions = Array.from({ length: LIST_BUCKET + 5 }, (_, i) =>
      i % 2 === 0 ? "pin" : "unpin",
    );
    for (const action of actions) {
      await request(app)
        .post(api(`/comments/${c._id.toHexString()}/moderation`))
        .set(mod.auth)
        .send({ action })
        .expect(200);
    }
    const res: request.Response = await request(app)
      .get(api(`/sites/${site._id}/moderation/log?limit=100`))
      .set(mod.auth);
    const first = res.body.entries.map((e: { action: string }) => e.action);
    const ids = await allPages(api(`/sites/${site._id}/moderation/log`), mod.auth, 9);
    expect(ids).toHaveLength(actions.length);
    expect(new Set(ids).size).toBe(actions.length);
    expect(first.slice(0, actions.length)).toEqual([...actions].reverse().slice(0, first.length));
  });
});
