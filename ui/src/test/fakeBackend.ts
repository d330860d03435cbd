// An in-memory Wirewatch engine for component tests, reached through Tauri's `mockIPC` so the
// UI runs its real IPC module. It holds South Asia feeds, articles, rules and alerts, answers
// every command the UI uses, and can push engine events.

import { emit } from "@tauri-apps/api/event";
import { mockIPC, clearMocks } from "@tauri-apps/api/mocks";
import type { AddFeedOutcome } from "../lib/bindings/AddFeedOutcome";
import type { Alert } from "../lib/bindings/Alert";
import type { AlertQuery } from "../lib/bindings/AlertQuery";
import type { Article } from "../lib/bindings/Article";
import type { ArticlePage } from "../lib/bindings/ArticlePage";
import type { ArticleQuery } from "../lib/bindings/ArticleQuery";
import type { ArticleSummary } from "../lib/bindings/ArticleSummary";
import type { Concept } from "../lib/bindings/Concept";
import type { DiscoveredFeed } from "../lib/bindings/DiscoveredFeed";
import type { EngineEvent } from "../lib/bindings/EngineEvent";
import type { ErrorPayload } from "../lib/bindings/ErrorPayload";
import type { Feed } from "../lib/bindings/Feed";
import type { FeedHealthReport } from "../lib/bindings/FeedHealthReport";
import type { FullText } from "../lib/bindings/FullText";
import type { FullTextMode } from "../lib/bindings/FullTextMode";
import type { FullTextStatus } from "../lib/bindings/FullTextStatus";
import type { ImportReport } from "../lib/bindings/ImportReport";
import type { PollSummary } from "../lib/bindings/PollSummary";
import type { Rule } from "../lib/bindings/Rule";
import type { RuleDraft } from "../lib/bindings/RuleDraft";
import type { RuleScope } from "../lib/bindings/RuleScope";
import type { RuleTest } from "../lib/bindings/RuleTest";
import type { Sensitivity } from "../lib/bindings/Sensitivity";
import type { Settings } from "../lib/bindings/Settings";
import type { SpikeAlert } from "../lib/bindings/SpikeAlert";
import type { SpikeSettings } from "../lib/bindings/SpikeSettings";
import type { Stats } from "../lib/bindings/Stats";
import type { Story } from "../lib/bindings/Story";
import type { TermMatch } from "../lib/bindings/TermMatch";
import type { Trend } from "../lib/bindings/Trend";
import type { TrendQuery } from "../lib/bindings/TrendQuery";
import type { TrendSeries } from "../lib/bindings/TrendSeries";
import { ENGINE_EVENT, FOCUS_ALERT_EVENT } from "../lib/ipc";
import { evaluate, parse, QueryError, validate, type Node } from "./fakeQuery";

type StoredArticle = ArticleSummary & { content_html: string; text: string; guid: string | null; updated: string | null } & Partial<
    Pick<Article, "full_text_status" | "full_text" | "full_text_note">
  >;

export type FakeOptions = {
  /** No feeds, articles, rules or alerts, and the starter pack not offered yet. */
  firstRun?: boolean;
  /** Add this many generated articles (for paging and virtualisation tests). */
  bulkArticles?: number;
};

const NOW = Date.parse("2025-11-28T12:00:00Z");
const iso = (minutesAgo: number) => new Date(NOW - minutesAgo * 60_000).toISOString();

function feed(id: number, title: string, url: string, folder: string | null, extra: Partial<Feed> = {}): Feed {
  return {
    id,
    url,
    title,
    site_url: new URL(url).origin,
    folder,
    interval_override_secs: null,
    interval_secs: 900,
    last_fetched: iso(6),
    next_check: iso(-9),
    error_count: 0,
    last_error: null,
    last_error_code: null,
    recovery_note: null,
    article_count: 0,
    unread_count: 0,
    created: iso(60 * 24 * 20),
    full_text: "auto",
    ...extra,
  };
}

const SEED: { feed: number; title: string; body: string; author: string | null; ago: number; read?: boolean; starred?: boolean; image?: boolean }[] = [
  { feed: 1, title: "India and Pakistan agree to observe ceasefire along Line of Control", body: "The militaries of India and Pakistan said on Thursday they would strictly observe the ceasefire along the Line of Control, after talks between their directors general of military operations. Officials in Islamabad called the hotline conversation constructive.", author: "Staff Reporter", ago: 12, image: true },
  { feed: 2, title: "DGMOs hold hotline talks as ceasefire holds for third day", body: "Senior army officers from New Delhi and Rawalpindi spoke over the hotline on Monday. The ceasefire has held since Friday, and both sides agreed to review the understanding next week.", author: "Special Correspondent", ago: 45 },
  { feed: 4, title: "China urges restraint, backs dialogue between India and Pakistan", body: "Beijing called on both neighbours to resolve differences through dialogue. A foreign ministry spokesperson said China was ready to play a constructive role in maintaining peace in South Asia.", author: null, ago: 90 },
  { feed: 3, title: "US welcomes India–Pakistan ceasefire understanding", body: "The State Department welcomed the ceasefire and urged both governments to keep channels of communication open. Washington has been in contact with officials in New Delhi and Islamabad.", author: "Al Jazeera Staff", ago: 130, read: true },
  { feed: 2, title: "Monsoon floods displace thousands in Assam", body: "Rising rivers have flooded more than 400 villages in Assam. Relief camps have been set up across nine districts.", author: "Our Bureau", ago: 200, read: true },
  { feed: 1, title: "State Bank of Pakistan holds policy rate steady", body: "The central bank kept its key rate unchanged, citing easing inflation and a stable rupee.", author: "Business Desk", ago: 260, starred: true },
  { feed: 4, title: "Beijing and Islamabad sign new CPEC agreements", body: "China and Pakistan signed agreements on rail and energy projects under the China–Pakistan Economic Corridor.", author: null, ago: 320 },
  { feed: 3, title: "Analysis: what the ceasefire means for Kashmir", body: "Residents on both sides of the Line of Control have welcomed the quiet, but analysts warn the ceasefire remains fragile without a political process.", author: "Analysis Desk", ago: 400 },
  { feed: 6, title: "Nepal and India review boundary working group", body: "Officials from Kathmandu and New Delhi met to review the boundary working group's progress.", author: null, ago: 520, read: true },
  { feed: 2, title: "Cricket: India name squad for Champions Trophy", body: "The selectors named a 15-member squad. Pakistan will host the tournament.", author: "Sports Desk", ago: 700, read: true },
];

/** The full text of the first seeded article, as the engine extracts it from Dawn's page. */
// Its rules see these words too: they name neither country, so no seeded rule newly matches.
const ANALYSIS_PARAGRAPHS = [
  "Residents on both sides of the Line of Control have welcomed the quiet, but analysts warn the ceasefire remains fragile without a political process.",
  "In Neelum valley, shelled for years, families said they hoped to turn bunkers back into storerooms. Schools that had shut in the spring reopened this week.",
  "Officials in Islamabad pointed to Foreign Minister Ishaq Dar's remarks to the Senate, that the two militaries would keep talking every week.",
  "Earlier ceasefires, in 2003 and 2021, held for months before frequent violations returned; diplomats in New Delhi said this one would be judged by the summer.",
];

/** The full text of the seeded analysis piece, as the engine extracts it from its page. */
export const ANALYSIS_FULL_TEXT: FullText = {
  html: ANALYSIS_PARAGRAPHS.map((p, i) => (i === 2 ? `<blockquote><p>${p}</p></blockquote>` : `<p>${p}</p>`)).join(""),
  text: ANALYSIS_PARAGRAPHS.join("\n\n"),
  byline: "Asad Hashim",
  published: iso(400),
  lang: "en",
  image: "https://www.aljazeera.com/wp-content/uploads/loc-valley.jpg",
  words: ANALYSIS_PARAGRAPHS.join(" ").split(/\s+/).length,
  fetched_at: iso(398),
};

/** Where the seeded articles' full texts stand (by article id); the others are `not_needed`. */
const FULL_TEXT_STATES: Record<number, Pick<Article, "full_text_status" | "full_text" | "full_text_note">> = {
  2: { full_text_status: "pending", full_text: null, full_text_note: null },
  3: { full_text_status: "no_content", full_text: null, full_text_note: "The page is behind a login wall; the feed's summary is shown." },
  7: { full_text_status: "blocked", full_text: null, full_text_note: null },
  8: { full_text_status: "fetched", full_text: ANALYSIS_FULL_TEXT, full_text_note: null },
};

const DISCOVERY: Record<string, DiscoveredFeed[]> = {
  "https://www.dawn.com": [
    { url: "https://www.dawn.com/feeds/home", title: "Dawn — Home", kind: "application/rss+xml" },
    { url: "https://www.dawn.com/feeds/pakistan", title: "Dawn — Pakistan", kind: "application/rss+xml" },
  ],
  "https://www.thehindu.com": [
    { url: "https://www.thehindu.com/news/national/feeder/default.rss", title: "The Hindu — National", kind: "application/rss+xml" },
    { url: "https://www.thehindu.com/news/international/feeder/default.rss", title: "The Hindu — International", kind: "application/rss+xml" },
  ],
};

const STARTER: [string, string, string][] = [
  ["Dawn", "https://www.dawn.com/feeds/home", "Pakistan"],
  ["The Hindu — National", "https://www.thehindu.com/news/national/feeder/default.rss", "India"],
  ["Al Jazeera — Asia", "https://www.aljazeera.com/xml/rss/all.xml", "World"],
  ["Global Times — China", "https://www.globaltimes.cn/rss/china.xml", "China"],
];

function err(code: string, message: string, problem: ErrorPayload["problem"] = null): ErrorPayload {
  return { code, message, problem };
}

/** Rejections carry an ErrorPayload, as Tauri delivers them. */
class Rejection {
  constructor(readonly payload: ErrorPayload) {}
}

export class FakeBackend {
  feeds: Feed[] = [];
  articles: StoredArticle[] = [];
  rules: Rule[] = [];
  alerts: Alert[] = [];
  /** Stories of more than one article (every other article is a story of its own). */
  stories: Story[] = [];
  /** A few concepts of the shipped lexicon, as the engine lists them. */
  concepts: Concept[] = [
    {
      name: "ceasefire",
      variants: [
        { text: "ceasefire", lang: "en", shipped: true },
        { text: "truce", lang: "en", shipped: true },
        { text: "جنگ بندی", lang: "ur", shipped: true },
        { text: "संघर्ष विराम", lang: "hi", shipped: true },
        { text: "停火", lang: "zh", shipped: true },
      ],
    },
    {
      name: "pakistan",
      variants: [
        { text: "Pakistan", lang: "en", shipped: true },
        { text: "پاکستان", lang: "ur", shipped: true },
        { text: "पाकिस्तान", lang: "hi", shipped: true },
        { text: "巴基斯坦", lang: "zh", shipped: true },
      ],
    },
  ];
  settings: Settings = {
    close_to_tray: true,
    start_at_login: false,
    min_interval_secs: 300,
    max_interval_secs: 21600,
    retention_days: 90,
    starter_offered: true,
    paused: false,
  };
  /** Rules with spike alerts on, by rule id. */
  spikeSettings = new Map<number, SpikeSettings>();
  /** Spikes raised, newest first. */
  spikes: SpikeAlert[] = [];
  /** Since when the fake engine is offline (null: online). */
  offline: string | null = null;
  /** Every command received, in order. */
  calls: { cmd: string; args: Record<string, unknown> }[] = [];
  /** What the dialog plugin answers for open/save. */
  dialogPath: string | null = "/home/analyst/feeds.opml";
  private nextId = { feed: 100, article: 1000, rule: 10, alert: 500 };

  constructor(opts: FakeOptions = {}) {
    if (opts.firstRun) {
      this.settings.starter_offered = false;
      return;
    }
    this.feeds = [
      feed(1, "Dawn", "https://www.dawn.com/feeds/home", "Pakistan"),
      feed(2, "The Hindu — National", "https://www.thehindu.com/news/national/feeder/default.rss", "India"),
      feed(3, "Al Jazeera — Asia", "https://www.aljazeera.com/xml/rss/all.xml", "World", { interval_override_secs: 1800, interval_secs: 1800, full_text: "always" }),
      feed(4, "Global Times — China", "https://www.globaltimes.cn/rss/china.xml", "China"),
      feed(5, "Reuters — World", "https://www.reuters.com/world/rss", "World", {
        error_count: 3,
        last_error: "www.reuters.com answered HTTP 403",
        last_error_code: "http_status",
        last_fetched: iso(60 * 26),
      }),
      feed(6, "The Kathmandu Post", "https://kathmandupost.com/rss", null, {
        full_text: "never",
        recovery_note: "recovered: 12 entries, the document was cut at byte 48213",
      }),
    ];
    SEED.forEach((s, i) => {
      const f = this.feeds.find((x) => x.id === s.feed)!;
      const img = s.image
        ? `<figure><img src="https://images.dawn.com/photos/loc.jpg" alt="Soldiers at the Line of Control"><figcaption>Soldiers at the Line of Control.</figcaption></figure><img src="https://pixel.tracker.example/p.gif" width="1" height="1">`
        : "";
      this.articles.push({
        id: i + 1,
        feeds: [{ id: f.id, title: f.title }],
        url: `${f.site_url}/news/${i + 1}`,
        title: s.title,
        author: s.author,
        snippet: s.body.slice(0, 160),
        published: iso(s.ago),
        fetched: iso(s.ago - 1),
        read: !!s.read,
        starred: !!s.starred,
        lang: "en",
        guid: `guid-${i + 1}`,
        updated: null,
        text: s.body,
        content_html: `${img}<p>${s.body}</p><p>Read more on <a href="${f.site_url}/news/${i + 1}">${f.title}</a>.</p>`,
        ...structuredClone(FULL_TEXT_STATES[i + 1]),
      });
    });
    for (let i = 0; i < (opts.bulkArticles ?? 0); i++) {
      const f = this.feeds[i % this.feeds.length];
      const id = 10_000 + i;
      this.articles.push({
        id,
        feeds: [{ id: f.id, title: f.title }],
        url: `${f.site_url}/archive/${id}`,
        title: `Archive story ${i + 1} from ${f.title}`,
        author: null,
        snippet: `Regional round-up number ${i + 1}.`,
        published: iso(1000 + i),
        fetched: iso(1000 + i),
        read: true,
        starred: false,
        lang: "en",
        guid: null,
        updated: null,
        text: `Regional round-up number ${i + 1}.`,
        content_html: `<p>Regional round-up number ${i + 1}.</p>`,
      });
    }
    this.rules = [
      this.makeRule(1, { name: "South Asia ceasefire", query: "ceasefire AND (India OR Pakistan)", scope: { folders: [], feeds: [] }, notify: true, muted: false, renotify_outlets: null }),
      this.makeRule(2, { name: "China on India–Pakistan", query: "(China OR Beijing) AND (India OR Pakistan)", scope: { folders: [], feeds: [] }, notify: false, muted: false, renotify_outlets: null }),
    ];
    for (const a of [...this.articles.slice(0, SEED.length)].reverse()) {
      for (const r of this.rules) {
        const m = evaluate(parse(r.query), this.doc(a));
        if (m.ok) this.alerts.unshift(this.makeAlert(r, a, m.matches, a.read));
      }
    }
    this.makeStory();
  }

  private makeRule(id: number, d: RuleDraft): Rule {
    return { id, ...structuredClone(d), created: iso(60 * 24 * 10), alert_count: 0, unread_count: 0, problem: null };
  }

  private makeAlert(rule: Rule, a: StoredArticle, matches: TermMatch[], read = false): Alert {
    return { id: ++this.nextId.alert, rule_id: rule.id, rule_name: rule.name, article: this.summary(a), matches, created: a.fetched, read, story: null };
  }

  /**
   * Makes the newest alert's article the first of a story that two more outlets reported,
   * 14 and 40 minutes later, and gives the alert its story line.
   */
  private makeStory() {
    const alert = this.alerts[0];
    if (!alert) return;
    const a = this.article(alert.article.id);
    const at = (mins: number) => new Date(Date.parse(a.published ?? a.fetched) + mins * 60_000).toISOString();
    const first = a.feeds[0]?.title ?? "Dawn";
    const story: Story = {
      id: 900,
      title: a.title,
      first_seen: at(0),
      last_update: at(40),
      outlets: [first, "Reuters", "NDTV"],
      articles: [
        { id: a.id, link: a.url, title: a.title, feed: first, published: at(0), seen: at(0) },
        { id: 9001, link: "https://www.reuters.com/world/asia/9001", title: "India and Pakistan agree to halt firing", feed: "Reuters", published: at(14), seen: at(14) },
        { id: 9002, link: "https://www.ndtv.com/9002", title: "Guns fall silent on the LoC", feed: "NDTV", published: at(40), seen: at(40) },
      ],
    };
    this.stories.push(story);
    for (const al of this.alerts.filter((x) => x.article.id === a.id)) {
      al.story = { id: story.id, outlets: 3, articles: 3, first_outlet: first, second_outlet: "Reuters", lead_secs: 14 * 60 };
    }
  }

  private storyOf(articleId: number): Story {
    const found = this.stories.find((s) => s.articles.some((x) => x.id === articleId));
    if (found) return found;
    const a = this.article(articleId);
    const when = a.published ?? a.fetched;
    return {
      id: 100_000 + a.id,
      title: a.title,
      first_seen: when,
      last_update: when,
      outlets: a.feeds.map((f) => f.title),
      articles: [{ id: a.id, link: a.url, title: a.title, feed: a.feeds[0]?.title ?? "", published: a.published, seen: when }],
    };
  }

  private doc(a: StoredArticle) {
    // Rules and search see the full text too, as the engine's do.
    const body = a.full_text ? `${a.text}\n\n${a.full_text.text}` : a.text;
    return { title: a.title, body, feeds: a.feeds.map((f) => f.title) };
  }

  /** As the engine: names are ASCII lower case letters, digits and inner `-`; a variant needs a letter or digit. */
  private changeConcept(concept: string, variant: string, added: boolean): null {
    const name = concept.trim().replace(/^@/, "").toLowerCase();
    const text = variant.trim();
    if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(name)) {
      throw new Rejection(err("invalid_concept", `invalid concept name ${JSON.stringify(concept)}`));
    }
    if (added && !/[\p{L}\p{N}]/u.test(text)) {
      throw new Rejection(err("invalid_concept", `invalid variant ${JSON.stringify(variant)} of @${name}`));
    }
    let c = this.concepts.find((x) => x.name === name);
    if (!c) {
      c = { name, variants: [] };
      this.concepts.push(c);
      this.concepts.sort((a, b) => a.name.localeCompare(b.name));
    }
    c.variants = c.variants.filter((v) => v.text !== text);
    if (added) c.variants.push({ text, lang: null, shipped: false });
    return null;
  }

  private summary(a: StoredArticle): ArticleSummary {
    const { content_html: _c, text: _t, guid: _g, updated: _u, full_text_status: _s, full_text: _f, full_text_note: _n, ...s } = a;
    return { ...s, feeds: s.feeds.map((f) => ({ ...f })) };
  }

  private parseOrReject(q: string): Node {
    try {
      return parse(q);
    } catch (e) {
      if (e instanceof QueryError) throw new Rejection(err("invalid_query", e.problem.message, e.problem));
      throw e;
    }
  }

  /** Adds an article and raises an alert for `ruleId`, as a poll would; emits the `alert` event. */
  async pushAlert(ruleId: number, title: string, body = "Fresh report from the Line of Control."): Promise<Alert> {
    const rule = this.rules.find((r) => r.id === ruleId)!;
    const f = this.feeds[0];
    const id = ++this.nextId.article;
    const a: StoredArticle = {
      id, feeds: [{ id: f.id, title: f.title }], url: `https://www.dawn.com/news/${id}`, title, author: null,
      snippet: body, published: new Date().toISOString(), fetched: new Date().toISOString(), read: false, starred: false,
      lang: "en", guid: null, updated: null, text: body, content_html: `<p>${body}</p>`,
    };
    this.articles.unshift(a);
    const m = evaluate(parse(rule.query), this.doc(a));
    const alert: Alert = { ...this.makeAlert(rule, a, m.matches), created: a.fetched };
    this.alerts.unshift(alert);
    await this.emit({ type: "alert", alert: structuredClone(alert), notify: rule.notify });
    return alert;
  }

  /**
   * A poll that raised `count` alerts for `ruleId` but sent only the first `live` of them as
   * events (as the engine does for a big burst), then finished.
   */
  async pushBurst(ruleId: number, count: number, live: number): Promise<void> {
    const rule = this.rules.find((r) => r.id === ruleId)!;
    const f = this.feeds[0];
    const raised: Alert[] = [];
    for (let i = 0; i < count; i++) {
      const id = ++this.nextId.article;
      const body = "Both sides agreed to extend the ceasefire along the border.";
      const a: StoredArticle = {
        id, feeds: [{ id: f.id, title: f.title }], url: `https://www.dawn.com/news/${id}`,
        title: `India and Pakistan ceasefire bulletin ${i + 1}`, author: null, snippet: body,
        published: new Date().toISOString(), fetched: new Date().toISOString(), read: false, starred: false,
        lang: "en", guid: null, updated: null, text: body, content_html: `<p>${body}</p>`,
      };
      this.articles.unshift(a);
      const m = evaluate(parse(rule.query), this.doc(a));
      const alert: Alert = { ...this.makeAlert(rule, a, m.matches), created: a.fetched };
      this.alerts.unshift(alert);
      raised.push(alert);
    }
    for (const alert of raised.slice(0, live)) {
      await this.emit({ type: "alert", alert: structuredClone(alert), notify: rule.notify });
    }
    await this.emit({
      type: "poll_finished",
      summary: { feeds: 1, not_modified: 0, failed: 0, new_articles: count, updated_articles: 0, alerts: count, elapsed_ms: 5 },
    });
  }

  /**
   * Settles an article's full text as the engine's full-text stage does: stores the text (or
   * the reason there is none) and emits the `full_text` event.
   */
  async settleFullText(articleId: number, status: FullTextStatus, full: FullText | null = null, note: string | null = null) {
    const a = this.article(articleId);
    a.full_text_status = status;
    a.full_text = full;
    a.full_text_note = note;
    await this.emit({ type: "full_text", article_id: articleId, status });
  }

  async emit(event: EngineEvent) {
    await emit(ENGINE_EVENT, event);
  }

  async focusAlert(alertId: number) {
    await emit(FOCUS_ALERT_EVENT, { alertId });
  }

  private stats(): Stats {
    return {
      feeds: this.feeds.length,
      failing_feeds: this.feeds.filter((f) => f.error_count > 0).length,
      articles: this.articles.length,
      starred: this.articles.filter((a) => a.starred).length,
      rules: this.rules.length,
      alerts: this.alerts.length,
      unread_alerts: this.alerts.filter((a) => !a.read).length,
      db_bytes: 3_400_000 + this.articles.length * 2_000,
    };
  }

  private feedsOut(): Feed[] {
    return this.feeds.map((f) => {
      const mine = this.articles.filter((a) => a.feeds.some((r) => r.id === f.id));
      return { ...f, article_count: mine.length, unread_count: mine.filter((a) => !a.read).length };
    });
  }

  private rulesOut(): Rule[] {
    return this.rules.map((r) => {
      const mine = this.alerts.filter((a) => a.rule_id === r.id);
      return { ...structuredClone(r), alert_count: mine.length, unread_count: mine.filter((a) => !a.read).length };
    });
  }

  private article(id: number): StoredArticle {
    const a = this.articles.find((x) => x.id === id);
    if (!a) throw new Rejection(err("not_found", `No article ${id}.`));
    return a;
  }

  private syncAlerts(a: StoredArticle) {
    for (const al of this.alerts) if (al.article.id === a.id) al.article = this.summary(a);
  }

  /** Matches a query alone lists before its page, as the engine's bound; beyond, a page's
   * total is this bound and not exact. */
  listedMatches = Number.POSITIVE_INFINITY;
  /** While set, `count_articles` answers only once it settles (counting takes a while). */
  countGate: Promise<void> | null = null;
  /** While set, `set_feed_full_text` saves and answers only once it settles. */
  settingGate: Promise<void> | null = null;
  /** What the next `refresh_all` stores (newest first), and whether the engine announces the
   * poll's end with `poll_finished` before it answers, as the desktop engine does. */
  nextPoll: { titles: string[]; announce: boolean } | null = null;

  /** Counts per bucket as the engine's trend does: the first bucket clipped, days from UTC midnight shifted by the offset. */
  trend(q: TrendQuery): Trend {
    const width = q.by === "hour" ? 3600_000 : 86400_000;
    const offset = q.utc_offset_secs * 1000;
    const since = Date.parse(q.since);
    const until = q.until ? Date.parse(q.until) : NOW;
    const rule = q.rule !== null ? this.rules.find((r) => r.id === q.rule) : null;
    const hits = this.matching({
      query: rule ? rule.query : q.query,
      feeds: rule ? rule.scope.feeds : [],
      folder: rule?.scope.folders[0] ?? null,
      rule: null,
      since: q.since,
      until: new Date(until).toISOString(),
      starred: false,
      unread: false,
      limit: 0,
      cursor: null,
      lang: null,
    });
    const first = Math.floor((since + offset) / width) * width - offset;
    const empty = () => {
      const points = [];
      for (let start = first; start < until; start += width) points.push({ start: new Date(Math.max(start, since)).toISOString(), count: 0 });
      return points;
    };
    const points = empty();
    // As the engine splits: an article counts once for each outlet (or folder) it came through.
    const series = new Map<string, TrendSeries>();
    for (const a of hits) {
      const i = Math.floor((Date.parse(a.published ?? a.fetched) - first) / width);
      if (!points[i]) continue;
      points[i].count++;
      if (!q.split) continue;
      const keys = new Map<string, { label: string | null; feed: number | null }>();
      for (const ref of a.feeds) {
        if (q.split === "outlet") keys.set(`f${ref.id}`, { label: ref.title, feed: ref.id });
        else {
          const folder = this.feeds.find((f) => f.id === ref.id)?.folder ?? null;
          keys.set(`d${folder}`, { label: folder, feed: null });
        }
      }
      for (const [key, { label, feed }] of keys) {
        let s = series.get(key);
        if (!s) series.set(key, (s = { label, feed, total: 0, points: empty() }));
        s.total++;
        s.points[i].count++;
      }
    }
    const split = [...series.values()].sort((a, b) => b.total - a.total);
    return { by: q.by, points, total: hits.length, series: split };
  }

  private health(): FeedHealthReport[] {
    return this.feeds.map((f) => {
      const failing = f.error_count > 0;
      const silent = f.id === 6;
      return {
        feed_id: f.id,
        health: {
          state: failing ? "failing" : silent ? "silent" : "healthy",
          usual_gap_secs: silent ? 86400 : 3600,
          last_new_article: silent ? iso(60 * 24 * 6) : iso(30),
          error_rate: failing ? 0.4 : 0,
          failing_since: failing ? iso(60 * 26) : null,
        },
        problem: failing
          ? { kind: "refuses", headline: "HTTP 403: the site refuses automated readers", hint: "Some sites block feed readers.", detail: f.last_error ?? "" }
          : null,
      };
    });
  }

  private matching(q: ArticleQuery): StoredArticle[] {
    const node = q.query.trim() ? this.parseOrReject(q.query) : null;
    const feedIds = q.folder !== null ? this.feeds.filter((f) => f.folder === q.folder).map((f) => f.id) : null;
    const ruleArticles = q.rule !== null ? new Set(this.alerts.filter((a) => a.rule_id === q.rule).map((a) => a.article.id)) : null;
    const since = q.since ? Date.parse(q.since) : null;
    const until = q.until ? Date.parse(q.until) : null;
    return this.articles.filter((a) => {
      if (q.feeds.length && !a.feeds.some((f) => q.feeds.includes(f.id))) return false;
      if (feedIds && !a.feeds.some((f) => feedIds.includes(f.id))) return false;
      if (ruleArticles && !ruleArticles.has(a.id)) return false;
      if (q.starred && !a.starred) return false;
      if (q.unread && a.read) return false;
      if (q.lang && a.lang !== q.lang.toLowerCase()) return false;
      const t = Date.parse(a.published ?? a.fetched);
      if (since !== null && t < since) return false;
      if (until !== null && t >= until) return false;
      return node ? evaluate(node, this.doc(a)).ok : true;
    });
  }

  private search(q: ArticleQuery): ArticlePage {
    const hits = this.matching(q);
    const queryAlone = q.query.trim() !== "" && !q.feeds.length && q.folder === null && q.rule === null
      && !q.since && !q.until && !q.starred && !q.unread && !q.lang;
    const bounded = queryAlone && hits.length > this.listedMatches;
    const limit = Math.min(q.limit || 50, 500);
    const offset = q.cursor ? Number(q.cursor) : 0;
    const page = hits.slice(offset, offset + limit);
    return {
      articles: page.map((a) => this.summary(a)),
      next_cursor: offset + limit < hits.length ? String(offset + limit) : null,
      total: bounded ? this.listedMatches : hits.length,
      total_exact: !bounded,
    };
  }

  private addFeed(url: string, folder: string | null): AddFeedOutcome {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new Rejection(err("invalid_url", `invalid URL ${JSON.stringify(url)}: not an absolute http(s) URL`));
    }
    if (!/^https?:$/.test(parsed.protocol)) throw new Rejection(err("invalid_url", `invalid URL ${JSON.stringify(url)}: only http and https are supported`));
    const existing = this.feeds.find((f) => f.url === url);
    if (existing) return { outcome: "exists", feed: { ...existing } };
    const choices = DISCOVERY[url.replace(/\/$/, "")];
    if (choices) return { outcome: "choices", feeds: choices };
    if (parsed.host.endsWith("unreachable.example")) throw new Rejection(err("unreachable", `could not reach ${url}: connection refused`));
    const f = feed(++this.nextId.feed, parsed.host, url, folder, { last_fetched: null, next_check: iso(0) });
    this.feeds.push(f);
    return { outcome: "added", feed: { ...f } };
  }

  private testRule(query: string, scope: RuleScope, days: number): RuleTest {
    const node = this.parseOrReject(query);
    const since = NOW - days * 86400_000 - 3600_000;
    const inScope = (a: StoredArticle) => {
      if (scope.feeds.length && !a.feeds.some((f) => scope.feeds.includes(f.id))) return false;
      if (scope.folders.length) {
        const ids = this.feeds.filter((f) => f.folder && scope.folders.includes(f.folder)).map((f) => f.id);
        if (!a.feeds.some((f) => ids.includes(f.id))) return false;
      }
      return true;
    };
    const samples = this.articles
      .filter((a) => Date.parse(a.published ?? a.fetched) >= since && inScope(a))
      .map((a) => ({ a, r: evaluate(node, this.doc(a)) }))
      .filter((x) => x.r.ok);
    return { count: samples.length, days, samples: samples.slice(0, 5).map((x) => ({ article: this.summary(x.a), matches: x.r.matches })) };
  }

  private import(names: [string, string, string | null][], skipped: ImportReport["skipped"]): ImportReport {
    const report: ImportReport = { added: [], existing: [], skipped, rules_added: [] };
    for (const [title, url, folder] of names) {
      if (this.feeds.some((f) => f.url === url)) {
        report.existing.push(url);
        continue;
      }
      const f = feed(++this.nextId.feed, title, url, folder, { last_fetched: null });
      this.feeds.push(f);
      report.added.push({ ...f });
    }
    return report;
  }

  handle(cmd: string, args: Record<string, unknown> = {}): unknown {
    this.calls.push({ cmd, args });
    switch (cmd) {
      case "list_alerts": {
        const q = args.query as AlertQuery;
        let list = this.alerts.filter((a) => (q.rule === null || a.rule_id === q.rule) && (!q.unread || !a.read));
        if (q.before !== null) list = list.filter((a) => a.id < q.before!);
        return structuredClone(list.slice(0, q.limit || 100));
      }
      case "set_alert_read": {
        const a = this.alerts.find((x) => x.id === args.id);
        if (!a) throw new Rejection(err("not_found", "That alert no longer exists."));
        a.read = args.read as boolean;
        return null;
      }
      case "mark_alerts_read": {
        let n = 0;
        for (const a of this.alerts) if (!a.read && (args.rule === null || a.rule_id === args.rule)) {
          a.read = true;
          n++;
        }
        return n;
      }
      case "search_articles":
        return this.search(args.query as ArticleQuery);
      case "count_articles": {
        const n = this.matching(args.query as ArticleQuery).length;
        return this.countGate ? this.countGate.then(() => n) : n;
      }
      case "list_stories":
        return structuredClone(this.stories);
      case "get_story": {
        const st = this.stories.find((x) => x.id === args.id);
        if (!st) throw new Rejection(err("not_found", "That story no longer exists."));
        return structuredClone(st);
      }
      case "story_of_article":
        return structuredClone(this.storyOf(args.id as number));
      case "article_stories":
        return (args.ids as number[])
          .filter((id) => this.articles.some((a) => a.id === id))
          .map((id) => {
            const st = this.storyOf(id);
            return { article_id: id, story_id: st.id, title: st.title, first_outlet: st.outlets[0] ?? null, outlets: st.outlets.length, articles: st.articles.length };
          });
      case "detach_from_story": {
        const id = args.id as number;
        for (const st of this.stories) {
          st.articles = st.articles.filter((x) => x.id !== id);
          st.outlets = [...new Set(st.articles.map((x) => x.feed))];
        }
        return 100_000 + id;
      }
      case "get_article": {
        const a = this.article(args.id as number);
        const { guid, content_html, text, updated } = a;
        const fullText = {
          full_text_status: a.full_text_status ?? "not_needed",
          full_text: a.full_text ? structuredClone(a.full_text) : null,
          full_text_note: a.full_text_note ?? null,
        };
        return { ...this.summary(a), guid, content_html, text, updated, ...fullText } satisfies Article;
      }
      case "article_matches": {
        const a = this.article(args.id as number);
        const q = String(args.query ?? "");
        if (!q.trim()) return [];
        return evaluate(this.parseOrReject(q), this.doc(a)).matches;
      }
      case "set_article_read": {
        const a = this.article(args.id as number);
        a.read = args.read as boolean;
        this.syncAlerts(a);
        return null;
      }
      case "set_article_starred": {
        const a = this.article(args.id as number);
        a.starred = args.starred as boolean;
        this.syncAlerts(a);
        return null;
      }
      case "list_feeds":
        return this.feedsOut();
      case "add_feed":
        return this.addFeed(String(args.url), (args.folder as string | null) ?? null);
      case "remove_feed":
        this.feeds = this.feeds.filter((f) => f.id !== args.id);
        return null;
      case "set_feed_folder": {
        const f = this.feeds.find((x) => x.id === args.id)!;
        f.folder = (args.folder as string | null) || null;
        return null;
      }
      case "set_feed_interval": {
        const f = this.feeds.find((x) => x.id === args.id)!;
        f.interval_override_secs = (args.intervalSecs as number | null) ?? null;
        f.interval_secs = f.interval_override_secs ?? 900;
        return null;
      }
      case "set_feed_full_text": {
        const f = this.feeds.find((x) => x.id === args.id);
        if (!f) throw new Rejection(err("not_found", `No feed ${String(args.id)}.`));
        const save = () => {
          f.full_text = args.mode as FullTextMode;
          return this.feedsOut().find((x) => x.id === f.id);
        };
        return this.settingGate ? this.settingGate.then(save) : save();
      }
      case "refresh_feed": {
        const f = this.feeds.find((x) => x.id === args.id)!;
        if (f.error_count > 0) throw new Rejection(err("http_status", f.last_error ?? "failed"));
        f.last_fetched = new Date().toISOString();
        return { feeds: 1, not_modified: 0, failed: 0, new_articles: 2, updated_articles: 0, alerts: 0, elapsed_ms: 240 } satisfies PollSummary;
      }
      case "refresh_all": {
        const summary = { feeds: this.feeds.length, not_modified: 2, failed: this.feeds.filter((f) => f.error_count).length, new_articles: 4, updated_articles: 1, alerts: 1, elapsed_ms: 1800 } satisfies PollSummary;
        const next = this.nextPoll;
        if (!next) return summary;
        this.nextPoll = null;
        const f = this.feeds[0];
        for (const title of [...next.titles].reverse()) {
          const id = ++this.nextId.article;
          const body = "Filed moments ago by our correspondent.";
          this.articles.unshift({
            id, feeds: [{ id: f.id, title: f.title }], url: `https://www.dawn.com/news/${id}`, title, author: null,
            snippet: body, published: new Date().toISOString(), fetched: new Date().toISOString(), read: false, starred: false,
            lang: "en", guid: null, updated: null, text: body, content_html: `<p>${body}</p>`,
          });
        }
        const done = { ...summary, new_articles: next.titles.length, updated_articles: 0, alerts: 0 };
        return next.announce ? this.emit({ type: "poll_finished", summary: done }).then(() => done) : done;
      }
      case "import_opml":
        return this.import(
          [["Dawn", "https://www.dawn.com/feeds/home", "Pakistan"], ["The Diplomat", "https://thediplomat.com/feed/", "Analysis"], ["Scroll.in", "https://scroll.in/feed", "India"]],
          [{ name: "Weekly podcast", reason: "no feed URL (xmlUrl missing)" }, { name: "ftp://old.example/feed", reason: "not an http(s) URL" }],
        );
      case "export_opml":
        return null;
      case "add_starter_pack": {
        const report = this.import(STARTER, []);
        const rule = this.makeRule(++this.nextId.rule, { name: "India–Pakistan ceasefire", query: "ceasefire AND (India OR Pakistan)", scope: { folders: [], feeds: [] }, notify: true, muted: false, renotify_outlets: null });
        this.rules.push(rule);
        report.rules_added.push(rule);
        this.settings.starter_offered = true;
        return report;
      }
      case "list_rules":
        return this.rulesOut();
      case "add_rule": {
        const d = args.draft as RuleDraft;
        this.parseOrReject(d.query);
        if (!d.name.trim()) throw new Rejection(err("invalid_rule", "A rule needs a name."));
        if (d.renotify_outlets !== null && d.renotify_outlets < 2) throw new Rejection(err("invalid_rule", "notify again at 2 outlets or more"));
        const r = this.makeRule(++this.nextId.rule, d);
        this.rules.push(r);
        return { ...r };
      }
      case "update_rule": {
        const d = args.draft as RuleDraft;
        this.parseOrReject(d.query);
        const r = this.rules.find((x) => x.id === args.id)!;
        Object.assign(r, structuredClone(d));
        for (const a of this.alerts) if (a.rule_id === r.id) a.rule_name = r.name;
        return this.rulesOut().find((x) => x.id === r.id);
      }
      case "remove_rule":
        this.rules = this.rules.filter((r) => r.id !== args.id);
        this.alerts = this.alerts.filter((a) => a.rule_id !== args.id);
        return null;
      case "validate_query":
        return validate(String(args.query));
      case "list_concepts":
        return structuredClone(this.concepts.filter((c) => c.variants.length > 0));
      case "add_concept_variant":
        return this.changeConcept(String(args.concept), String(args.variant), true);
      case "remove_concept_variant":
        return this.changeConcept(String(args.concept), String(args.variant), false);
      case "test_rule":
        return this.testRule(String(args.query), args.scope as RuleScope, args.days as number);
      case "backfill_rule": {
        const r = this.rules.find((x) => x.id === args.id)!;
        const since = new Date(NOW - (args.hours as number) * 3600_000).toISOString();
        let added = 0;
        for (const a of this.matching({ query: r.query, feeds: [], folder: null, rule: null, since, until: null, starred: false, unread: false, limit: 0, cursor: null, lang: null })) {
          if (this.alerts.some((x) => x.rule_id === r.id && x.article.id === a.id)) continue;
          this.alerts.unshift(this.makeAlert(r, a, evaluate(parse(r.query), this.doc(a)).matches));
          added++;
        }
        return added;
      }
      case "trend":
        return this.trend(args.query as TrendQuery);
      case "rule_sparklines": {
        const since = new Date(NOW - (args.days as number) * 86400_000).toISOString();
        return this.rules.map((r) => ({
          rule_id: r.id,
          trend: this.trend({ query: "", rule: r.id, since, until: new Date(NOW).toISOString(), by: "day", utc_offset_secs: 0, split: null }),
        }));
      }
      case "feed_health":
        return this.health();
      case "alert_latency":
        return this.rules.map((r, i) => ({ rule_id: r.id, alerts: 12 + i, median_secs: 420 + 60 * i, p95_secs: 1500 + 60 * i }));
      case "spike_settings":
        return this.rules.map((r) => this.spikeSettings.get(r.id) ?? { rule_id: r.id, sensitivity: null, cool_down_secs: 21600 });
      case "set_rule_spikes": {
        const settings: SpikeSettings = {
          rule_id: args.id as number,
          sensitivity: (args.sensitivity as Sensitivity | null) ?? null,
          cool_down_secs: (args.coolDownSecs as number | null) ?? 21600,
        };
        this.spikeSettings.set(settings.rule_id, settings);
        return settings;
      }
      case "list_spikes":
        return structuredClone(this.spikes);
      case "offline_since":
        return this.offline;
      case "stats":
        return this.stats();
      case "get_settings":
        return { ...this.settings };
      case "set_settings": {
        const s = args.settings as Settings;
        if (s.min_interval_secs > s.max_interval_secs) throw new Rejection(err("invalid_settings", "The shortest interval must not be longer than the longest."));
        this.settings = { ...s };
        return { ...this.settings };
      }
      case "set_paused":
        this.settings.paused = args.paused as boolean;
        return null;
      case "open_link": {
        const url = String(args.url);
        if (!/^https?:\/\//.test(url)) throw new Rejection(err("invalid_url", "Only web links can be opened."));
        return null;
      }
      case "plugin:dialog|open":
      case "plugin:dialog|save":
        return this.dialogPath;
      default:
        throw new Rejection(err("unknown_command", `The fake backend does not know ${cmd}.`));
    }
  }
}

/** Installs a fake engine behind `invoke` and events; returns it for inspection. */
export function installFakeBackend(opts: FakeOptions = {}): FakeBackend {
  const fake = new FakeBackend(opts);
  mockIPC(
    (cmd, args) => {
      try {
        return fake.handle(cmd, (args ?? {}) as Record<string, unknown>);
      } catch (e) {
        if (e instanceof Rejection) throw e.payload;
        throw e;
      }
    },
    { shouldMockEvents: true },
  );
  return fake;
}

export { clearMocks };
