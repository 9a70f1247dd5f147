import { Types } from "mongoose";
import {
  Comment,
  pageKey,
  REPLY_HEAD,
  ROOT_BUCKET_SIZE,
  SIBLING_BUCKET,
  siblingKey,
  type CommentDoc,
} from "../models/Comment";
import { Thread } from "../models/Thread";
import { renderMarkdown } from "../server/services/markdown";

/**
 * Seeds a thread of `total` approved comments straight into the database, laid out exactly as the
 * service lays them out (paths, root buckets, reply counts), because posting 100,000 comments
 * through HTTP would take longer than the benchmark. A quarter are roots; each root gets replies
 * nested up to depth 2.
 */
export async function seedThread(
  site: string,
  key: string,
  total: number,
  opts: { roots?: number; status?: "approved" | "pending" } = {},
): Promise<void> {
  const status = opts.status ?? "approved";
  const thread = await Thread.create({
    site,
    key,
    bucketSize: ROOT_BUCKET_SIZE,
    url: `https://bench.example/${key}`,
    title: key,
  });
  const html = renderMarkdown(
    "A seeded comment with **some** text and a [link](https://example.com).",
  );
  const roots = opts.roots ?? Math.max(1, Math.floor(total / 4));
  const docs: Partial<CommentDoc>[] = [];
  const start = Date.now() - total * 1000;
  let made = 0;
  const author = {
    user: null,
    name: "Seeder",
    email: "seed@example.com",
    website: null,
    avatarUrl: null,
    profileUrl: null,
    provider: "guest" as const,
    role: "commenter" as const,
  };
  const base = (id: Types.ObjectId) => ({
    _id: id,
    site,
    threadKey: key,
    thread: thread._id,
    author,
    ip: "127.0.0.1",
    body: "A seeded comment",
    html,
    status,
    visible: status === "approved",
    reasons: [],
    score: 0,
    flagCount: 0,
    pinned: false,
    editedAt: null,
  });
  const flush = async () => {
    if (docs.length)
      await Comment.collection.insertMany(docs.splice(0) as never[], { ordered: false });
  };
  // Ids made in one process increase, so they sort in creation order as real ones do.
  const idAt = () => new Types.ObjectId();
  for (let r = 0; r < roots && made < total; r++) {
    const rootId = idAt();
    made++;
    const repliesHere = Math.min(
      total - made,
      Math.round((total - roots) / roots) + (r < (total - roots) % roots ? 1 : 0),
    );
    const root = {
      ...base(rootId),
      parentId: null,
      ancestors: [],
      rootId,
      depth: 0,
      path: rootId.toHexString(),
      bucket: Math.floor(r / ROOT_BUCKET_SIZE),
      page: pageKey(thread._id, Math.floor(r / ROOT_BUCKET_SIZE)),
      replyCount: 0,
      childSeq: 0,
      replySeq: repliesHere,
      descendants: status === "approved" ? repliesHere : 0,
      createdAt: new Date(start + made * 1000),
      updatedAt: new Date(),
    };
    docs.push(root);
    // Past REPLY_HEAD the tree is big: its replies are read by the walk, not with the bucket.
    const replyPage = repliesHere > REPLY_HEAD ? null : root.page;
    type Node = { id: Types.ObjectId; path: string; doc: { replyCount: number; childSeq: number } };
    let lastChild: Node | null = null;
    for (let i = 0; i < repliesHere; i++) {
      const id = idAt();
      made++;
      // Alternate: a reply to the root, then a reply to that reply.
      const underChild: Node | null = i % 2 === 1 ? lastChild : null;
      const parent: Node = underChild ?? { id: rootId, path: root.path, doc: root };
      const depth = underChild ? 2 : 1;
      const doc: Partial<CommentDoc> & { path: string; replyCount: number; childSeq: number } = {
        ...base(id),
        parentId: parent.id,
        ancestors: underChild ? [rootId, parent.id] : [rootId],
        rootId,
        depth,
        path: `${parent.path}/${id.toHexString()}`,
        bucket: Math.floor(r / ROOT_BUCKET_SIZE),
        page: replyPage,
        sib: siblingKey(parent.id, Math.floor(parent.doc.childSeq / SIBLING_BUCKET)),
        replyCount: 0,
        childSeq: 0,
        createdAt: new Date(start + made * 1000),
        updatedAt: new Date(),
      };
      parent.doc.childSeq++;
      if (status === "approved") parent.doc.replyCount++;
      docs.push(doc);
      if (!underChild) lastChild = { id, path: doc.path, doc };
    }
    if (docs.length >= 2000) await flush();
  }
  await flush();
  await Thread.updateOne(
    { _id: thread._id },
    { $set: { commentCount: status === "approved" ? made : 0, rootSeq: roots } },
  );
}
