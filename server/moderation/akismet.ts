import type { Logger } from "pino";
import type { SpamCheck } from "../services/commentCreator";

/**
 * A spam check against an Akismet-compatible comment-check API. It answers "unknown" on a timeout,
 * an error or an answer it cannot read, and the caller then holds the comment: a slow spam
 * service never blocks posting, and never lets spam through unseen.
 */
export function akismetSpamCheck(opts: {
  key: string;
  url: string;
  blogUrl: string;
  timeoutMs?: number;
  logger?: Logger;
}): SpamCheck {
  return async ({ site, body, author, ip, url }) => {
    const form = new URLSearchParams({
      api_key: opts.key,
      blog: opts.blogUrl,
      user_ip: ip ?? "",
      comment_type: "comment",
      comment_author: author.name,
      comment_content: body,
      blog_charset: "UTF-8",
    });
    if (author.email) form.set("comment_author_email", author.email);
    if (author.website) form.set("comment_author_url", author.website);
    if (url) form.set("permalink", url);
    form.set("site", site._id);
    try {
      const res = await fetch(`${opts.url}/1.1/comment-check`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: form,
        signal: AbortSignal.timeout(opts.timeoutMs ?? 2000),
      });
      const text = (await res.text()).trim();
      if (res.ok && text === "true") return "spam";
      if (res.ok && text === "false") return "ham";
      opts.logger?.warn({ status: res.status }, "spam check gave an unreadable answer");
      return "unknown";
    } catch (err) {
      opts.logger?.warn({ err: (err as Error).name }, "spam check failed");
      return "unknown";
    }
  };
}
