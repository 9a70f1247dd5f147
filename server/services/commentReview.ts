import { AuthorRecord } from "../../models/AuthorRecord";
import { forReads } from "../database";
import type { CommentAuthor } from "../../models/Comment";
import type { SiteDoc } from "../../models/Site";
import { judgeComment, type Verdict } from "../moderation/rules";
import { words } from "../moderation/words";
import { authorRecordKey } from "./commentStatus";
import { countLinks, renderMarkdown } from "./markdown";

/**
 * Renders a body and runs the site's rules on it for its author: what posting and editing both
 * do before they store anything.
 */
export async function reviewBody(
  site: SiteDoc,
  author: CommentAuthor,
  body: string,
  opts: { moderator: boolean; approvedHere?: boolean },
): Promise<{ html: string; verdict: Verdict }> {
  const html = renderMarkdown(body);
  // The author's record matters only to the first-comment rule, and is read off the write connection.
  const key =
    site.settings.preModeration === "first_comment" && !opts.moderator && !opts.approvedHere
      ? authorRecordKey(site._id, author)
      : null;
  const record = key ? await forReads(AuthorRecord).findById(key).lean() : null;
  const verdict = judgeComment({
    words: words(body),
    linkCount: countLinks(html),
    settings: site.settings,
    authorIsModerator: opts.moderator,
    authorHasApproved: (record?.approvedCount ?? 0) > 0 || opts.approvedHere === true,
  });
  return { html, verdict };
}
