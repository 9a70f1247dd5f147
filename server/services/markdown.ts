import MarkdownIt from "markdown-it";
import sanitizeHtml from "sanitize-html";

// Raw HTML in a body is shown as text, never parsed; links are recognised in plain text.
// Images are off: a comment must not make readers' browsers fetch third-party URLs.
const md = new MarkdownIt({ html: false, linkify: true, breaks: true, typographer: false }).disable(
  "image",
);

const sanitizeOptions: sanitizeHtml.IOptions = {
  allowedTags: [
    "p",
    "br",
    "strong",
    "em",
    "del",
    "s",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
  ],
  allowedAttributes: { a: ["href", "rel", "target"], ol: ["start"], th: ["align"], td: ["align"] },
  allowedSchemes: ["http", "https", "mailto"],
  allowProtocolRelative: false,
  transformTags: {
    a: (tagName, attribs) => ({
      tagName,
      attribs: { ...attribs, rel: "nofollow ugc noopener", target: "_blank" },
    }),
  },
  disallowedTagsMode: "escape",
};

/** Renders a comment's Markdown to HTML that is safe to insert into any page. */
export function renderMarkdown(body: string): string {
  return sanitizeHtml(md.render(body), sanitizeOptions).trim();
}

/** Counts links the way WordPress does for its "hold with N links" rule: every <a> in the output. */
export function countLinks(html: string): number {
  return (html.match(/<a\s/gi) ?? []).length;
}
