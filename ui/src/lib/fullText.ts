// Full text: what the reader and the Feeds view say about an article's own page.
//
// The engine fetches the page of an article whose feed gives only a teaser (per feed: auto,
// always or never) and keeps its main content beside the feed's summary. The reader shows
// the full article when there is one, with a switch back to the summary; when there is none,
// one calm line says why while the summary stays in view.

import type { Article } from "./bindings/Article";
import type { FullText } from "./bindings/FullText";
import type { FullTextMode } from "./bindings/FullTextMode";
import type { FullTextStatus } from "./bindings/FullTextStatus";
import { count } from "./time";

/** Which text the reader shows. */
export type ReaderText = "summary" | "full";

/** Words an adult reads in a minute, silently, in English prose (the usual 200–250). */
const WORDS_PER_MINUTE = 230;

/** "1,240 words · 6 min read". */
export function readingLine(words: number): string {
  const minutes = Math.max(1, Math.round(words / WORDS_PER_MINUTE));
  return `${count(words)} ${words === 1 ? "word" : "words"} · ${minutes} min read`;
}

/** Why there is no full text, completing "No full text: …", per status. */
const REASONS: Record<Exclude<FullTextStatus, "not_needed" | "pending" | "fetched">, string> = {
  not_html: "the link leads to a file, not a web page",
  no_content: "the page has no article text (a paywall, a login wall or a page of links)",
  too_large: "the page is larger than Wirewatch reads",
  blocked: "the site does not let automated readers in",
  gone: "the page is gone from the site",
  failed: "the page could not be fetched",
};

/**
 * The engine's note ("The page is behind a login wall; the feed's summary is shown."), made
 * to complete "No full text: …": without the clause that says the summary is shown (the
 * line says that itself), the full stop and the capital.
 */
function reasonFromNote(note: string | null): string | null {
  const clause = note
    ?.trim()
    .replace(/\.$/, "")
    .replace(/[;,]?\s*the feed's summary is shown$/i, "")
    .trim();
  if (!clause) return null;
  // "The page…" reads on after the colon as "the page…"; "HTTP 403…" keeps its capitals.
  return /^\p{Lu}\p{Ll}/u.test(clause) ? clause.charAt(0).toLowerCase() + clause.slice(1) : clause;
}

/**
 * The status line for an article without its full text, or null when there is nothing to
 * say (the full text is there, or the feed's own text is the whole story). A page to be
 * tried again says so in the engine's own words ("…; Wirewatch will try again.").
 */
export function statusLine(article: Pick<Article, "full_text_status" | "full_text_note" | "full_text">): string | null {
  const status = article.full_text_status;
  if (status === "not_needed" || (status === "fetched" && article.full_text)) return null;
  if (status === "pending") return article.full_text_note ?? "Fetching the full article…";
  const reason = reasonFromNote(article.full_text_note) ?? (status === "fetched" ? null : REASONS[status]) ?? "it could not be read";
  return `No full text: ${reason} — showing the feed's summary`;
}

/** The full text to show, if any. */
export function fullTextOf(article: Article | null): FullText | null {
  return article?.full_text_status === "fetched" ? (article.full_text ?? null) : null;
}

function escapeAttr(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * The full article's HTML with its lead image first, unless the body already shows that
 * image or opens with one of its own (often the same picture in another size). The image
 * goes through the reader's preparation like any other: it loads only as the user's image
 * setting allows.
 */
export function fullHtml(full: FullText): string {
  const image = full.image;
  if (!image || full.html.includes(image) || full.html.includes(escapeAttr(image))) return full.html;
  const firstImage = full.html.search(/<img[\s>]/i);
  const firstParagraph = full.html.search(/<p[\s>]/i);
  if (firstImage >= 0 && (firstParagraph < 0 || firstImage < firstParagraph)) return full.html;
  return `<figure class="lead-image"><img src="${escapeAttr(image)}" alt=""></figure>${full.html}`;
}

/** The per-feed setting, as the Feeds view offers it. */
export const FULL_TEXT_MODES: { mode: FullTextMode; label: string; hint: string }[] = [
  { mode: "auto", label: "Auto", hint: "Fetches an article's own page when the feed gives only a teaser" },
  { mode: "always", label: "Always", hint: "Fetches every new article's own page" },
  { mode: "never", label: "Never", hint: "Keeps only what the feed itself says" },
];
