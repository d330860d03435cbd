// The one place the UI talks to the engine.
//
// Every command the Rust side exposes has one typed method on `Backend`. Components never call
// `invoke` themselves: they call `backend()` and use the methods, so a test can swap the whole
// transport with Tauri's `mockIPC` (the Tauri implementation goes through `invoke`) or hand in
// another `Backend` with `setBackend`. The native file dialogs (tauri-plugin-dialog) are part of
// the same seam: the plugin talks to the shell through `invoke` like any command.

import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import { open, save } from "@tauri-apps/plugin-dialog";
import type { AddFeedOutcome } from "./bindings/AddFeedOutcome";
import type { AlertLatency } from "./bindings/AlertLatency";
import type { Alert } from "./bindings/Alert";
import type { AlertQuery } from "./bindings/AlertQuery";
import type { Article } from "./bindings/Article";
import type { ArticlePage } from "./bindings/ArticlePage";
import type { ArticleQuery } from "./bindings/ArticleQuery";
import type { Concept } from "./bindings/Concept";
import type { EngineEvent } from "./bindings/EngineEvent";
import type { ErrorCode } from "./bindings/ErrorCode";
import type { ErrorPayload } from "./bindings/ErrorPayload";
import type { Feed } from "./bindings/Feed";
import type { FeedHealthReport } from "./bindings/FeedHealthReport";
import type { FullTextMode } from "./bindings/FullTextMode";
import type { ImportReport } from "./bindings/ImportReport";
import type { PollSummary } from "./bindings/PollSummary";
import type { QueryProblem } from "./bindings/QueryProblem";
import type { Rule } from "./bindings/Rule";
import type { RuleDraft } from "./bindings/RuleDraft";
import type { RuleScope } from "./bindings/RuleScope";
import type { RuleSparkline } from "./bindings/RuleSparkline";
import type { RuleTest } from "./bindings/RuleTest";
import type { Sensitivity } from "./bindings/Sensitivity";
import type { Settings } from "./bindings/Settings";
import type { SpikeAlert } from "./bindings/SpikeAlert";
import type { SpikeSettings } from "./bindings/SpikeSettings";
import type { Stats } from "./bindings/Stats";
import type { Story } from "./bindings/Story";
import type { ArticleStory } from "./bindings/ArticleStory";
import type { StoryQuery } from "./bindings/StoryQuery";
import type { TermMatch } from "./bindings/TermMatch";
import type { Trend } from "./bindings/Trend";
import type { TrendQuery } from "./bindings/TrendQuery";

/** Event carrying every `EngineEvent`. */
export const ENGINE_EVENT = "wirewatch://event";
/** Event sent when the user clicks a desktop notification. */
export const FOCUS_ALERT_EVENT = "wirewatch://focus-alert";

/** Payload of `wirewatch://focus-alert`. */
export type FocusAlert = { alertId: number };

/** Every command of the engine, typed. */
export interface Backend {
  listAlerts(query: AlertQuery): Promise<Alert[]>;
  setAlertRead(id: number, read: boolean): Promise<void>;
  /** Marks all alerts (or one rule's) read; returns how many changed. */
  markAlertsRead(rule: number | null): Promise<number>;

  listStories(query: StoryQuery): Promise<Story[]>;
  getStory(id: number): Promise<Story>;
  /** The story an article belongs to. */
  storyOfArticle(id: number): Promise<Story>;
  /** The stories of these articles, in the order given (the Articles view groups by them). */
  articleStories(ids: number[]): Promise<ArticleStory[]>;
  /** Takes an article out of its story for good; returns its own new story's id. */
  detachFromStory(articleId: number): Promise<number>;

  searchArticles(query: ArticleQuery): Promise<ArticlePage>;
  /** Every article `query` matches, counted (a page's total may be a bound). */
  countArticles(query: ArticleQuery): Promise<number>;
  getArticle(id: number): Promise<Article>;
  articleMatches(id: number, query: string): Promise<TermMatch[]>;
  setArticleRead(id: number, read: boolean): Promise<void>;
  setArticleStarred(id: number, starred: boolean): Promise<void>;

  listFeeds(): Promise<Feed[]>;
  addFeed(url: string, folder: string | null): Promise<AddFeedOutcome>;
  removeFeed(id: number): Promise<void>;
  setFeedFolder(id: number, folder: string | null): Promise<void>;
  setFeedInterval(id: number, intervalSecs: number | null): Promise<void>;
  /** Whether the feed's new articles get their full text from their own pages; returns the feed. */
  setFeedFullText(id: number, mode: FullTextMode): Promise<Feed>;
  refreshFeed(id: number): Promise<PollSummary>;
  refreshAll(): Promise<PollSummary>;
  importOpml(path: string): Promise<ImportReport>;
  exportOpml(path: string): Promise<void>;
  addStarterPack(): Promise<ImportReport>;

  listRules(): Promise<Rule[]>;
  addRule(draft: RuleDraft): Promise<Rule>;
  updateRule(id: number, draft: RuleDraft): Promise<Rule>;
  removeRule(id: number): Promise<void>;
  validateQuery(query: string): Promise<QueryProblem | null>;
  testRule(query: string, scope: RuleScope, days: number): Promise<RuleTest>;
  /** Alerts a rule on what it matched in the last `hours` hours; returns the alerts added. */
  backfillRule(id: number, hours: number): Promise<number>;

  /** Articles per hour or day for a query or a rule. */
  trend(query: TrendQuery): Promise<Trend>;
  /** Every rule's matches per day over the last `days` days. */
  ruleSparklines(days: number, utcOffsetSecs: number): Promise<RuleSparkline[]>;
  feedHealth(): Promise<FeedHealthReport[]>;
  /** Per rule, how soon after publication its alerts of the last week came. */
  alertLatency(): Promise<AlertLatency[]>;
  spikeSettings(): Promise<SpikeSettings[]>;
  setRuleSpikes(id: number, sensitivity: Sensitivity | null, coolDownSecs: number | null): Promise<SpikeSettings>;
  listSpikes(days: number): Promise<SpikeAlert[]>;
  /** Since when every feed has failed on the network, or null when online. */
  offlineSince(): Promise<string | null>;

  /** The concepts a query can name (`@name`), each with its spellings. */
  listConcepts(): Promise<Concept[]>;
  /** Adds a spelling to a concept (a new concept if none has that name). */
  addConceptVariant(concept: string, variant: string): Promise<void>;
  /** Removes a spelling from a concept, a shipped one too. */
  removeConceptVariant(concept: string, variant: string): Promise<void>;

  stats(): Promise<Stats>;
  getSettings(): Promise<Settings>;
  setSettings(settings: Settings): Promise<Settings>;
  setPaused(paused: boolean): Promise<void>;
  openLink(url: string): Promise<void>;

  /** Asks for an OPML file to import; `null` when the user cancels. */
  chooseOpmlToImport(): Promise<string | null>;
  /** Asks where to export the subscriptions; `null` when the user cancels. */
  chooseOpmlExportPath(): Promise<string | null>;

  onEngineEvent(handler: (event: EngineEvent) => void): Promise<UnlistenFn>;
  onFocusAlert(handler: (payload: FocusAlert) => void): Promise<UnlistenFn>;
}

/**
 * A failed command, with the engine's stable code and its sentence for people. The codes are
 * the engine's `ErrorCode` (generated from Rust), plus "internal" for a rejection that did not
 * come from the engine.
 */
export class BackendError extends Error {
  readonly code: ErrorCode | "internal";
  readonly problem: QueryProblem | null;

  constructor(payload: ErrorPayload) {
    super(payload.message);
    this.name = "BackendError";
    // The engine only sends its own codes; the payload's type keeps them a string.
    this.code = payload.code as ErrorCode | "internal";
    this.problem = payload.problem;
  }
}

function isErrorPayload(value: unknown): value is ErrorPayload {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as ErrorPayload).code === "string" &&
    typeof (value as ErrorPayload).message === "string"
  );
}

/** Turns whatever a rejected invoke carried into a `BackendError`. */
export function toBackendError(reason: unknown): BackendError {
  if (reason instanceof BackendError) return reason;
  if (isErrorPayload(reason)) {
    return new BackendError({ code: reason.code, message: reason.message, problem: reason.problem ?? null });
  }
  const message = reason instanceof Error ? reason.message : typeof reason === "string" ? reason : "Something went wrong.";
  return new BackendError({ code: "internal", message, problem: null });
}

/** The sentence to show for any error thrown by a backend call. */
export function errorMessage(reason: unknown): string {
  return toBackendError(reason).message;
}

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (reason) {
    throw toBackendError(reason);
  }
}

const OPML_FILTERS = [
  { name: "OPML subscription list", extensions: ["opml", "xml"] },
  { name: "All files", extensions: ["*"] },
];

/** The real backend: Tauri commands, events and native file dialogs. */
export const tauriBackend: Backend = {
  listAlerts: (query) => call("list_alerts", { query }),
  setAlertRead: (id, read) => call("set_alert_read", { id, read }),
  markAlertsRead: (rule) => call("mark_alerts_read", { rule }),

  listStories: (query) => call("list_stories", { query }),
  getStory: (id) => call("get_story", { id }),
  storyOfArticle: (id) => call("story_of_article", { id }),
  articleStories: (ids) => call("article_stories", { ids }),
  detachFromStory: (articleId) => call("detach_from_story", { id: articleId }),

  searchArticles: (query) => call("search_articles", { query }),
  countArticles: (query) => call("count_articles", { query }),
  getArticle: (id) => call("get_article", { id }),
  articleMatches: (id, query) => call("article_matches", { id, query }),
  setArticleRead: (id, read) => call("set_article_read", { id, read }),
  setArticleStarred: (id, starred) => call("set_article_starred", { id, starred }),

  listFeeds: () => call("list_feeds"),
  addFeed: (url, folder) => call("add_feed", { url, folder }),
  removeFeed: (id) => call("remove_feed", { id }),
  setFeedFolder: (id, folder) => call("set_feed_folder", { id, folder }),
  setFeedInterval: (id, intervalSecs) => call("set_feed_interval", { id, intervalSecs }),
  setFeedFullText: (id, mode) => call("set_feed_full_text", { id, mode }),
  refreshFeed: (id) => call("refresh_feed", { id }),
  refreshAll: () => call("refresh_all"),
  importOpml: (path) => call("import_opml", { path }),
  exportOpml: (path) => call("export_opml", { path }),
  addStarterPack: () => call("add_starter_pack"),

  listRules: () => call("list_rules"),
  addRule: (draft) => call("add_rule", { draft }),
  updateRule: (id, draft) => call("update_rule", { id, draft }),
  removeRule: (id) => call("remove_rule", { id }),
  validateQuery: (query) => call("validate_query", { query }),
  testRule: (query, scope, days) => call("test_rule", { query, scope, days }),
  backfillRule: (id, hours) => call("backfill_rule", { id, hours }),

  trend: (query) => call("trend", { query }),
  ruleSparklines: (days, utcOffsetSecs) => call("rule_sparklines", { days, utcOffsetSecs }),
  feedHealth: () => call("feed_health"),
  alertLatency: () => call("alert_latency"),
  spikeSettings: () => call("spike_settings"),
  setRuleSpikes: (id, sensitivity, coolDownSecs) => call("set_rule_spikes", { id, sensitivity, coolDownSecs }),
  listSpikes: (days) => call("list_spikes", { days }),
  offlineSince: () => call("offline_since"),

  listConcepts: () => call("list_concepts"),
  addConceptVariant: (concept, variant) => call("add_concept_variant", { concept, variant }),
  removeConceptVariant: (concept, variant) => call("remove_concept_variant", { concept, variant }),

  stats: () => call("stats"),
  getSettings: () => call("get_settings"),
  setSettings: (settings) => call("set_settings", { settings }),
  setPaused: (paused) => call("set_paused", { paused }),
  openLink: (url) => call("open_link", { url }),

  chooseOpmlToImport: async () => {
    const picked = await open({ title: "Import feeds from OPML", multiple: false, directory: false, filters: OPML_FILTERS });
    return typeof picked === "string" ? picked : null;
  },
  chooseOpmlExportPath: () =>
    save({ title: "Export feeds as OPML", defaultPath: "wirewatch-feeds.opml", filters: OPML_FILTERS }),

  onEngineEvent: (handler) => listen<EngineEvent>(ENGINE_EVENT, (e) => handler(e.payload)),
  onFocusAlert: (handler) => listen<FocusAlert>(FOCUS_ALERT_EVENT, (e) => handler(e.payload)),
};

let current: Backend = tauriBackend;

/** The backend components use. */
export function backend(): Backend {
  return current;
}

/** Replaces the backend (tests, or a future web build); returns the previous one. */
export function setBackend(next: Backend): Backend {
  const previous = current;
  current = next;
  return previous;
}
