import { remove as removeConfusables } from "confusables";

// Characters that render as nothing and are used to split a word past a filter. Built from a
// string: each code point is matched on its own, combining ones included.
const INVISIBLE = new RegExp(
  // eslint-disable-next-line no-misleading-character-class -- single code points, on purpose
  "[\\u00AD\\u034F\\u061C\\u115F\\u1160\\u17B4\\u17B5\\u180B-\\u180E\\u200B-\\u200F\\u202A-\\u202E\\u2060-\\u206F\\u3164\\uFE00-\\uFE0F\\uFEFF\\uFFA0]",
  "g",
);
const COMBINING_MARKS = /\p{M}+/gu;

/**
 * Folds text for word matching: invisible characters removed, look-alike letters (Cyrillic "а",
 * full-width "Ａ", …) mapped to Latin, accents stripped, lower-cased.
 */
export function foldText(text: string): string {
  const visible = text.replace(INVISIBLE, "");
  return removeConfusables(visible.normalize("NFKD").replace(COMBINING_MARKS, ""))
    .normalize("NFKD")
    .replace(COMBINING_MARKS, "")
    .toLowerCase();
}

const WORD_CHAR = /^[\p{L}\p{N}]$/u;

/** Splits folded, lower-cased text into runs of letters and digits; ASCII is decided without a regex. */
function tokenize(text: string): string[] {
  const out: string[] = [];
  let start = -1;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 32;
    let width = 1;
    let isWord = (c >= 97 && c <= 122) || (c >= 48 && c <= 57);
    if (!isWord && c > 127) {
      width = c >= 0xd800 && c <= 0xdbff ? 2 : 1;
      isWord = WORD_CHAR.test(text.slice(i, i + width));
    }
    if (isWord) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      out.push(text.slice(start, i));
      start = -1;
    }
    i += width - 1;
  }
  return out;
}

/**
 * The text's words, folded. One pass over the text: a word of plain ASCII letters and digits only
 * needs lower-casing; a run that holds any other character (accents, look-alikes, invisible
 * characters, non-ASCII punctuation) goes through the full folding and is split again.
 */
export function words(text: string): string[] {
  const out: string[] = [];
  let start = -1;
  let upper = false;
  let wide = false;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 32;
    const isUpper = c >= 65 && c <= 90;
    if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || isUpper || c > 127) {
      if (start < 0) {
        start = i;
        upper = false;
        wide = false;
      }
      if (isUpper) upper = true;
      else if (c > 127) wide = true;
      continue;
    }
    if (start < 0) continue;
    const token = text.slice(start, i);
    start = -1;
    if (wide) out.push(...tokenize(foldText(token)));
    else out.push(upper ? token.toLowerCase() : token);
  }
  return out;
}

/** A compiled word list: whole words and phrases, matched on folded text. */
export interface WordList {
  single: Set<string>;
  /** Phrases keyed by their first word. */
  phrases: Map<string, string[][]>;
}

// Compiled lists by content: settings arrive as a fresh array on every request, and a site's
// lists change rarely. Bounded, oldest first out.
const compiled = new Map<string, WordList>();
const COMPILED_MAX = 200;

export function compileWordList(list: readonly string[]): WordList {
  const key = list.join("\n");
  const cached = compiled.get(key);
  if (cached) return cached;
  const single = new Set<string>();
  const phrases = new Map<string, string[][]>();
  for (const entry of list) {
    const ws = words(entry);
    if (ws.length === 1) single.add(ws[0]!);
    else if (ws.length > 1) {
      const first = ws[0]!;
      phrases.set(first, [...(phrases.get(first) ?? []), ws]);
    }
  }
  const out = { single, phrases };
  if (compiled.size >= COMPILED_MAX) compiled.delete(compiled.keys().next().value!);
  compiled.set(key, out);
  return out;
}

/** The first entry of the list found as whole words in the text, or null. */
export function findListedWord(textWords: readonly string[], list: WordList): string | null {
  if (list.single.size === 0 && list.phrases.size === 0) return null;
  const { single, phrases } = list;
  const checkPhrases = phrases.size > 0;
  for (let i = 0; i < textWords.length; i++) {
    const w = textWords[i]!;
    if (single.has(w)) return w;
    if (!checkPhrases) continue;
    const candidates = phrases.get(w);
    if (!candidates) continue;
    for (const phrase of candidates) {
      if (phrase.every((p, j) => textWords[i + j] === p)) return phrase.join(" ");
    }
  }
  return null;
}
