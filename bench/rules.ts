import { performance } from "node:perf_hooks";
import { judgeComment } from "../server/moderation/rules";
import { words } from "../server/moderation/words";
import { countLinks, renderMarkdown } from "../server/services/markdown";

/**
 * The moderation rules on a 5,000-word comment against 1,000 banned words (and 1,000 hold words),
 * as a post runs them: fold the text into words, count links, run every rule. The settings arrive
 * as a fresh array each time, as they do from the database. Markdown rendering is timed apart.
 */
function randomWord(rng: () => number, min = 4, max = 10): string {
  const len = min + Math.floor(rng() * (max - min + 1));
  let w = "";
  for (let i = 0; i < len; i++) w += String.fromCharCode(97 + Math.floor(rng() * 26));
  return w;
}

// A fixed seed, so every run judges the same text.
let state = 42;
const rng = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;

const bannedWords = Array.from({ length: 1000 }, () => randomWord(rng, 6, 12));
const holdWords = Array.from({ length: 1000 }, () => randomWord(rng, 6, 12));
const vocabulary = Array.from({ length: 3000 }, () => randomWord(rng));
const body = Array.from({ length: 5000 }, (_, i) => {
  const w = vocabulary[Math.floor(rng() * vocabulary.length)]!;
  // Some accents, capitals and a zero-width space here and there, as real text and evasions have.
  if (i % 97 === 0) return `Ca\u0301fe\u0301 ${w.toUpperCase()}`;
  if (i % 211 === 0) return `${w.slice(0, 2)}\u200B${w.slice(2)}`;
  return w;
}).join(" ");

function judge(): string {
  const settings = {
    bannedWords: [...bannedWords],
    holdWords: [...holdWords],
    maxLinks: 2,
    preModeration: "none" as const,
  };
  return judgeComment({
    words: words(body),
    linkCount: countLinks(renderedOnce),
    settings,
    authorIsModerator: false,
    authorHasApproved: true,
  }).status;
}

const renderedOnce = renderMarkdown(body);
const runs = Number(process.env.BENCH_RUNS ?? 500);
judge(); // compiles the lists once, as the first post after a settings change does
for (let i = 0; i < 50; i++) judge();
const times: number[] = [];
for (let i = 0; i < runs; i++) {
  const t = performance.now();
  judge();
  times.push(performance.now() - t);
}
times.sort((a, b) => a - b);
const at = (q: number) =>
  times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(3);
console.log(
  `rules on a ${body.split(" ").length}-word comment, ${bannedWords.length} banned and ${holdWords.length} hold words, ${runs} runs:`,
);
console.log(
  `  per comment: p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, mean ${(times.reduce((a, b) => a + b, 0) / runs).toFixed(3)} ms (target: under 1 ms)`,
);

const compileStart = performance.now();
const fresh = [...bannedWords.map((w) => `${w}x`)];
judgeComment({
  words: words(body),
  linkCount: 0,
  settings: { bannedWords: fresh, holdWords: [], maxLinks: 0, preModeration: "none" },
  authorIsModerator: false,
  authorHasApproved: true,
});
console.log(
  `  first comment after the lists change (compiles 1,000 words): ${(performance.now() - compileStart).toFixed(3)} ms`,
);

const renderTimes: number[] = [];
for (let i = 0; i < 50; i++) {
  const t = performance.now();
  renderMarkdown(body);
  renderTimes.push(performance.now() - t);
}
renderTimes.sort((a, b) => a - b);
console.log(
  `  Markdown render and sanitize of the same comment (not part of the rules): p50 ${renderTimes[25]!.toFixed(3)} ms`,
);
