import type { PreModeration } from "../../models/Site";
import { compileWordList, findListedWord } from "./words";

/** What the rules know about a comment being posted or edited; no database needed. */
export interface RuleInput {
  /** The comment's words, folded (see foldText). */
  words: string[];
  linkCount: number;
  settings: {
    bannedWords: readonly string[];
    holdWords: readonly string[];
    maxLinks: number;
    preModeration: PreModeration;
  };
  /** Moderators' and admins' comments are never held. */
  authorIsModerator: boolean;
  /** The author already has an approved comment on this site. */
  authorHasApproved: boolean;
}

export type Verdict =
  { status: "approved"; reasons: [] } | { status: "pending" | "rejected"; reasons: string[] };

type Rule = (input: RuleInput) => { status: "pending" | "rejected"; reason: string } | null;

const bannedWordRule: Rule = (input) => {
  const hit = findListedWord(input.words, compileWordList(input.settings.bannedWords));
  return hit ? { status: "rejected", reason: `banned_word:${hit}` } : null;
};

const holdWordRule: Rule = (input) => {
  const hit = findListedWord(input.words, compileWordList(input.settings.holdWords));
  return hit ? { status: "pending", reason: `hold_word:${hit}` } : null;
};

// WordPress: "Hold a comment in the queue if it contains N or more links"; 0 turns it off.
const linkRule: Rule = (input) =>
  input.settings.maxLinks > 0 && input.linkCount >= input.settings.maxLinks
    ? { status: "pending", reason: `links:${input.linkCount}` }
    : null;

const preModerationRule: Rule = (input) => {
  if (input.settings.preModeration === "all")
    return { status: "pending", reason: "pre_moderation" };
  if (input.settings.preModeration === "first_comment" && !input.authorHasApproved) {
    return { status: "pending", reason: "first_comment" };
  }
  return null;
};

/** The rules in the order they run; a rejection wins over any hold. */
export const RULES: readonly Rule[] = [bannedWordRule, holdWordRule, linkRule, preModerationRule];

/** Runs every rule and decides the comment's status. */
export function judgeComment(input: RuleInput): Verdict {
  const reasons: string[] = [];
  let status: "approved" | "pending" | "rejected" = "approved";
  for (const rule of RULES) {
    if (input.authorIsModerator && rule !== bannedWordRule) continue;
    const hit = rule(input);
    if (!hit) continue;
    reasons.push(hit.reason);
    if (hit.status === "rejected") return { status: "rejected", reasons };
    status = "pending";
  }
  return status === "approved" ? { status, reasons: [] } : { status, reasons };
}
