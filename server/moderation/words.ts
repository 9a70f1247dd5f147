import { remove as removeConfusables } from "confusables";

// Characters that render as nothing and are used to split a word past a filter. Built from a
// string: each code point is matched on its own, combining ones included.
const INVISIBLE = new RegExp(
  // eslint-disable-next-line no-misleading-character-class -- single code points, on purpose
  "[\\u00AD\\u034F\\u061C\\u115F\\u1160\\u17B4\\u17B5\\u180B-\\u180E\\u200B-\\u200F\\u202A-\\u202E\\u2060-\\u206F\\u3164\\uFE00-\\uFE0F\\uFEFF\\uFFA0]",
  "g",
);
const COMBINING_MARKS = /\p{M}+/gu;
const WORD = /[\p{L}\p{N}]+/gu;

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

/**
 * The text's words, folded. Only runs of non-ASCII characters need the full folding (a combining
 * accent folds away on its own, a look-alike maps on its own), so a long, mostly ASCII comment is
 * folded in one pass.
 */
export function words(text: string): string[] {
  return (
    text
      .replace(INVISIBLE, "")
      .replace(/[^\t\n\r\x20-\x7E]+/g, foldText)
      .toLowerCase()
      .match(WORD) ?? []
  );
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
  for (let i = 0; i < textWords.length; i++) {
    const w = textWords[i]!;
    if (list.single.has(w)) return w;
    const candidates = list.phrases.get(w);
    if (!candidates) continue;
    for (const phrase of candidates) {
      if (phrase.every((p, j) => textWords[i + j] === p)) return phrase.join(" ");
    }
  }
  return null;
}
