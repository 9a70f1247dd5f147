import { remove as removeConfusables } from "confusables";

// Characters that render as nothing and are used to split a word past a filter. Built from a
// string: each code point is matched on its own, combining ones included.
const INVISIBLE = new RegExp(
  // eslint-disable-next-line no-misleading-character-class -- single code points, on purpose
  "[\\u00AD\\u034F\\u061C\\u115F\\u1160\\u17B4\\u17B5\\u180B-\\u180E\\u200B-\\u200F\\u202A-\\u202E\\u2060-\\u206F\\u3164\\uFE00-\\uFE0F\\uFEFF\\uFFA0]",
  "g",
);
const COMBINING_MARKS = /\p{M}+/gu;
const NON_WORD = /[^\p{L}\p{N}]+/u;

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

export function words(text: string): string[] {
  return foldText(text)
    .split(NON_WORD)
    .filter((w) => w.length > 0);
}

/** A compiled word list: whole words and phrases, matched on folded text. */
export interface WordList {
  single: Set<string>;
  /** Phrases keyed by their first word. */
  phrases: Map<string, string[][]>;
}

const compiled = new WeakMap<readonly string[], WordList>();

export function compileWordList(list: readonly string[]): WordList {
  const cached = compiled.get(list);
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
  compiled.set(list, out);
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
