/**
 * Export files of a chosen size, written as real ones are laid out, for the import benchmark and
 * the import crash test: `threads` threads of `perThread` comments, half of them replies (some two
 * deep), HTML bodies with entities.
 */
const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");

function* shape(threads: number, perThread: number) {
  const start = Date.UTC(2015, 0, 1);
  for (let t = 0; t < threads; t++) {
    const comments: { id: number; parent: number | null; at: Date }[] = [];
    for (let i = 0; i < perThread; i++) {
      const id = t * perThread + i + 1;
      // Every third comment replies to the root before it; every sixth replies to that reply.
      const parent = i % 3 === 2 || (i % 6 === 0 && i > 0) ? id - 1 : null;
      comments.push({ id, parent, at: new Date(start + t * 86_400_000 + i * 60_000) });
    }
    yield { t, comments };
  }
}

const body = (id: number) =>
  `<p>Comment number ${id} &amp; some <b>bold</b> words, a <a href="https://example.com/${id}">link</a>, and enough text to look like a real reply to the post above it.</p>`;

/** Disqus XML: all threads first, then all posts. */
export function* disqusExport(threads: number, perThread: number): Generator<string> {
  yield '<?xml version="1.0" encoding="utf-8"?>\n<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">\n';
  for (let t = 0; t < threads; t++) {
    yield `<thread dsq:id="${t + 1}"><id>post-${t + 1}</id><forum>bench</forum><link>https://bench.example/${t + 1}/</link><title>Post ${t + 1} &amp; more</title><createdAt>2015-01-01T00:00:00Z</createdAt><isClosed>false</isClosed><isDeleted>false</isDeleted></thread>\n`;
  }
  for (const { t, comments } of shape(threads, perThread)) {
    let chunk = "";
    for (const c of comments) {
      chunk += `<post dsq:id="${c.id}"><id /><message><![CDATA[${body(c.id)}]]></message><createdAt>${c.at.toISOString().replace(/\.\d+Z$/, "Z")}</createdAt><isDeleted>false</isDeleted><isSpam>false</isSpam><author><email>reader${c.id % 500}@example.com</email><name>Reader ${c.id % 500}</name><isAnonymous>false</isAnonymous></author><thread dsq:id="${t + 1}" />${c.parent ? `<parent dsq:id="${c.parent}" />` : ""}</post>\n`;
    }
    yield chunk;
  }
  yield "</disqus>\n";
}

/** WordPress WXR 1.2: one item a post, its comments inside it. */
export function* wxrExport(threads: number, perThread: number): Generator<string> {
  yield '<?xml version="1.0" encoding="UTF-8" ?>\n<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">\n<channel><title>Bench</title><wp:wxr_version>1.2</wp:wxr_version>\n';
  for (const { t, comments } of shape(threads, perThread)) {
    let chunk = `<item><title>${esc(`Post ${t + 1} & more`)}</title><link>https://bench.example/${t + 1}/</link><wp:post_id>${t + 1}</wp:post_id><wp:post_date_gmt>2015-01-01 00:00:00</wp:post_date_gmt><wp:comment_status>open</wp:comment_status><wp:status>publish</wp:status><wp:post_type>post</wp:post_type>\n`;
    for (const c of comments) {
      const at = c.at.toISOString().slice(0, 19).replace("T", " ");
      chunk += `<wp:comment><wp:comment_id>${c.id}</wp:comment_id><wp:comment_author><![CDATA[Reader ${c.id % 500}]]></wp:comment_author><wp:comment_author_email><![CDATA[reader${c.id % 500}@example.com]]></wp:comment_author_email><wp:comment_author_url>https://reader${c.id % 500}.example/</wp:comment_author_url><wp:comment_date><![CDATA[${at}]]></wp:comment_date><wp:comment_date_gmt><![CDATA[${at}]]></wp:comment_date_gmt><wp:comment_content><![CDATA[${body(c.id)}]]></wp:comment_content><wp:comment_approved><![CDATA[1]]></wp:comment_approved><wp:comment_type><![CDATA[comment]]></wp:comment_type><wp:comment_parent>${c.parent ?? 0}</wp:comment_parent></wp:comment>\n`;
    }
    yield `${chunk}</item>\n`;
  }
  yield "</channel>\n</rss>\n";
}
