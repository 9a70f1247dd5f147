import { judgeComment, type RuleInput } from "../../server/moderation/rules";
import { foldText, words } from "../../server/moderation/words";
import { countLinks, renderMarkdown } from "../../server/services/markdown";

function input(
  body: string,
  overrides: Partial<RuleInput["settings"]> & Partial<Omit<RuleInput, "settings">> = {},
): RuleInput {
  const { authorIsModerator = false, authorHasApproved = true, ...settings } = overrides;
  return {
    words: words(body),
    linkCount: countLinks(renderMarkdown(body)),
    settings: { bannedWords: [], holdWords: [], maxLinks: 2, preModeration: "none", ...settings },
    authorIsModerator,
    authorHasApproved,
  };
}

describe("judgeComment", () => {
  it("approves an ordinary comment", () => {
    expect(judgeComment(input("A fine article, thanks."))).toEqual({
      status: "approved",
      reasons: [],
    });
  });

  describe("links (WordPress: hold with maxLinks or more)", () => {
    it("passes one link fewer than maxLinks and holds exactly maxLinks", () => {
      expect(judgeComment(input("see https://a.example", { maxLinks: 2 })).status).toBe("approved");
      expect(
        judgeComment(input("see https://a.example and [b](https://b.example)", { maxLinks: 2 })),
      ).toEqual({
        status: "pending",
        reasons: ["links:2"],
      });
    });

    it("never holds for links when maxLinks is 0", () => {
      const many = Array.from({ length: 10 }, (_, i) => `https://l${i}.example`).join(" ");
      expect(judgeComment(input(many, { maxLinks: 0 })).status).toBe("approved");
    });
  });

  describe("banned words", () => {
    const banned = { bannedWords: ["viagra", "buy now"] };

    it("rejects a banned word, matching whole words only", () => {
      expect(judgeComment(input("Cheap VIAGRA here", banned))).toEqual({
        status: "rejected",
        reasons: ["banned_word:viagra"],
      });
      expect(judgeComment(input("viagras are not a word we list", banned)).status).toBe("approved");
      expect(judgeComment(input("Please buy   now!", banned)).status).toBe("rejected");
      expect(judgeComment(input("buy it now", banned)).status).toBe("approved");
    });

    it("catches a word hidden with a zero-width space or a soft hyphen", () => {
      expect(judgeComment(input("via\u200Bgra", banned)).status).toBe("rejected");
      expect(judgeComment(input("vi\u00ADag\u2060ra", banned)).status).toBe("rejected");
    });

    it("catches Cyrillic and full-width look-alikes and accents", () => {
      expect(judgeComment(input("vі\u0430gr\u0430", banned)).status).toBe("rejected"); // Cyrillic і and а
      expect(judgeComment(input("ｖｉａｇｒａ", banned)).status).toBe("rejected");
      expect(judgeComment(input("víágrà", banned)).status).toBe("rejected");
    });

    it("finds words glued to non-ASCII punctuation or spaces", () => {
      expect(judgeComment(input("cheap\u2014viagra\u00A0now", banned)).status).toBe("rejected");
      expect(judgeComment(input("«viagra»", banned)).status).toBe("rejected");
    });

    it("rejects even a moderator's comment", () => {
      expect(judgeComment(input("viagra", { ...banned, authorIsModerator: true })).status).toBe(
        "rejected",
      );
    });
  });

  describe("hold words and pre-moderation", () => {
    it("holds a comment with a hold word, accent-insensitively", () => {
      expect(judgeComment(input("Great Café deals", { holdWords: ["cafe"] }))).toEqual({
        status: "pending",
        reasons: ["hold_word:cafe"],
      });
    });

    it("holds every comment under preModeration all", () => {
      expect(judgeComment(input("hi", { preModeration: "all" })).status).toBe("pending");
    });

    it("holds a first comment under first_comment, and not a returning author's", () => {
      expect(
        judgeComment(input("hi", { preModeration: "first_comment", authorHasApproved: false })),
      ).toEqual({
        status: "pending",
        reasons: ["first_comment"],
      });
      expect(
        judgeComment(input("hi", { preModeration: "first_comment", authorHasApproved: true }))
          .status,
      ).toBe("approved");
    });

    it("never holds a moderator's comment", () => {
      const strict = {
        preModeration: "all" as const,
        holdWords: ["hi"],
        maxLinks: 1,
        authorIsModerator: true,
      };
      expect(judgeComment(input("hi https://x.example", strict)).status).toBe("approved");
    });

    it("lists every reason it held a comment for", () => {
      const v = judgeComment(
        input("cafe https://a.example https://b.example", {
          holdWords: ["cafe"],
          preModeration: "all",
        }),
      );
      expect(v).toEqual({
        status: "pending",
        reasons: ["hold_word:cafe", "links:2", "pre_moderation"],
      });
    });
  });
});

describe("foldText", () => {
  it("folds invisible characters, confusables, accents and case", () => {
    expect(foldText("Ｈé\u200Bllо")).toBe("hello");
  });
});
