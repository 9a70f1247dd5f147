import {
  Comment,
  pageKey,
  REPLY_HEAD,
  siblingKey,
  SIBLING_BUCKET,
  type CommentDoc,
} from "../../models/Comment";
import { Identity } from "../../models/User";
import { lastRootBucket, Thread, type ThreadDoc } from "../../models/Thread";
import type { Types } from "mongoose";
import { getSite } from "../services/sites";

/** One line of an export (shared/API.md "Import and export"); `format=native` reads it back. */
export type ExportLine =
  | { type: "site"; id: string; name: string; exportedAt: string }
  | {
      type: "thread";
      key: string;
      url: string | null;
      title: string | null;
      open: boolean;
      commentCount: number;
      createdAt: string;
    }
  | {
      type: "comment";
      id: string;
      threadKey: string;
      parentId: string | null;
      author: {
        name: string;
        email: string | null;
        website: string | null;
        avatarUrl: string | null;
        provider: string;
        username: string | null;
      };
      status: string;
      body: string;
      html: string;
      createdAt: string;
      editedAt: string | null;
      score: number;
      pinned: boolean;
    };

/**
 * A thread's comments, every status, in tree order of each root bucket. Read the way pages are:
 * one query per root bucket (its roots and their small trees), and for a big tree one query per
 * sibling bucket of each parent with children, so no query matches more than a bucket.
 */
async function* threadComments(thread: ThreadDoc): AsyncGenerator<CommentDoc> {
  for (let b = 0; b <= lastRootBucket(thread); b++) {
    const docs = await Comment.find({ page: pageKey(thread._id, b) }).lean();
    docs.sort((x, y) => (x.path < y.path ? -1 : 1));
    for (const d of docs) {
      yield d;
      if (d.depth === 0 && d.replySeq > REPLY_HEAD) yield* bigTree(d);
    }
  }
}

async function* bigTree(parent: Pick<CommentDoc, "_id" | "childSeq">): AsyncGenerator<CommentDoc> {
  for (let k = 0; k * SIBLING_BUCKET < parent.childSeq; k++) {
    const children = await Comment.find({ sib: siblingKey(parent._id, k) }).lean();
    children.sort((x, y) => (x.path < y.path ? -1 : 1));
    for (const c of children) {
      yield c;
      if (c.childSeq > 0) yield* bigTree(c);
    }
  }
}

/** The site's threads and comments as export lines, streamed. */
export async function* exportSite(slug: string): AsyncGenerator<ExportLine> {
  const site = await getSite(slug);
  yield { type: "site", id: site._id, name: site.name, exportedAt: new Date().toISOString() };
  const usernames = new Map<string, string | null>();
  const usernameOf = async (user: Types.ObjectId | null) => {
    if (!user) return null;
    const id = user.toHexString();
    if (!usernames.has(id)) {
      const identity = await Identity.findOne({ user }).lean();
      if (usernames.size > 10_000) usernames.clear();
      usernames.set(id, identity?.username ?? null);
    }
    return usernames.get(id) ?? null;
  };
  // Every thread of the site: what an export is for.
  for await (const thread of Thread.find({ site: site._id }).lean().cursor()) {
    yield {
      type: "thread",
      key: thread.key,
      url: thread.url,
      title: thread.title,
      open: thread.open,
      commentCount: thread.commentCount,
      createdAt: thread.createdAt.toISOString(),
    };
    for await (const c of threadComments(thread)) {
      yield {
        type: "comment",
        id: c._id.toHexString(),
        threadKey: c.threadKey,
        parentId: c.parentId ? c.parentId.toHexString() : null,
        author: {
          name: c.author.name,
          email: c.author.email,
          website: c.author.website,
          avatarUrl: c.author.avatarUrl,
          provider: c.author.provider,
          username: await usernameOf(c.author.user),
        },
        status: c.status,
        body: c.body,
        html: c.html,
        createdAt: c.createdAt.toISOString(),
        editedAt: c.editedAt ? c.editedAt.toISOString() : null,
        score: c.score,
        pinned: c.pinned,
      };
    }
  }
}
