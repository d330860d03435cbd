// Application state shared by the views: feeds, rules, stats, settings, poll progress, and the
// engine's live events. Views keep their own lists (alerts, articles) and subscribe to new
// alerts through `onAlert`.

import { getContext, setContext } from "svelte";
import type { Alert } from "./bindings/Alert";
import type { EngineEvent } from "./bindings/EngineEvent";
import type { Feed } from "./bindings/Feed";
import type { PollSummary } from "./bindings/PollSummary";
import type { Rule } from "./bindings/Rule";
import type { Settings } from "./bindings/Settings";
import type { SpikeAlert } from "./bindings/SpikeAlert";
import type { Stats } from "./bindings/Stats";
import { backend, errorMessage } from "./ipc";

export type View = "alerts" | "articles" | "trends" | "feeds" | "rules" | "settings";

export const VIEWS: { id: View; label: string; key: string }[] = [
  { id: "alerts", label: "Alerts", key: "a" },
  { id: "articles", label: "Articles", key: "e" },
  { id: "trends", label: "Trends", key: "t" },
  { id: "feeds", label: "Feeds", key: "f" },
  { id: "rules", label: "Rules", key: "r" },
  { id: "settings", label: "Settings", key: "s" },
];

/** What the keyboard shortcuts act on in the view that has a list. */
export type ListNav = {
  /** Closes the reader, if open; returns whether it did. */
  close(): boolean;
  next(): void;
  prev(): void;
  open(): void;
  star(): void;
  toggleRead(): void;
};

export class AppState {
  view = $state<View>("alerts");
  feeds = $state<Feed[]>([]);
  rules = $state<Rule[]>([]);
  stats = $state<Stats | null>(null);
  settings = $state<Settings | null>(null);
  loaded = $state(false);
  loadError = $state<string | null>(null);
  /** Whether engine events are being received. */
  connected = $state(false);
  /** Since when every feed has failed on the network (the engine backs off), or null. */
  offline = $state<string | null>(null);
  /** Spike alerts received while the window is open, newest first. */
  spikes = $state<SpikeAlert[]>([]);

  poll = $state({ active: false, done: 0, total: 0 });
  lastPoll = $state<{ summary: PollSummary; at: string } | null>(null);
  refreshing = $state(false);
  refreshError = $state<string | null>(null);

  /** Alerts view filter: one rule's alerts, or all. */
  alertRule = $state<number | null>(null);
  /** An alert to bring into view (a notification was clicked). */
  focusAlertId = $state<number | null>(null);
  /** Goes up when the alerts list must be read again: a poll raised more alerts than came live. */
  alertsReload = $state(0);
  /** Alert events received since the last poll finished. */
  #liveAlerts = 0;
  /** Goes up when a poll stored new or changed articles: the Articles view takes them in. */
  articlesReload = $state(0);
  /** Polls whose end was announced by the engine, to tell whether "Refresh all" was. */
  #pollsFinished = 0;
  /** Bumped to ask the Articles view to focus its search box. */
  searchFocus = $state(0);
  showShortcuts = $state(false);
  /** Read out by the polite live region. */
  announcement = $state("");
  nav: ListNav | null = null;

  paused = $derived(this.settings?.paused ?? false);
  folders = $derived(
    [...new Set(this.feeds.map((f) => f.folder).filter((f): f is string => !!f))].sort((a, b) => a.localeCompare(b)),
  );
  failingFeeds = $derived(this.feeds.filter((f) => f.error_count > 0).length);
  firstRun = $derived(this.loaded && this.feeds.length === 0 && this.settings !== null && !this.settings.starter_offered);

  private alertHandlers = new Set<(alert: Alert) => void>();

  async load(): Promise<void> {
    try {
      const [feeds, rules, stats, settings] = await Promise.all([
        backend().listFeeds(),
        backend().listRules(),
        backend().stats(),
        backend().getSettings(),
      ]);
      this.feeds = feeds;
      this.rules = rules;
      this.stats = stats;
      this.settings = settings;
      this.loadError = null;
      void this.refreshOffline();
    } catch (e) {
      this.loadError = errorMessage(e);
    } finally {
      this.loaded = true;
    }
  }

  async refreshFeeds() {
    try {
      this.feeds = await backend().listFeeds();
    } catch {
      /* keep what we have; the next event retries */
    }
  }

  async refreshRules() {
    try {
      this.rules = await backend().listRules();
    } catch {
      /* keep what we have */
    }
  }

  /** Polls every feed now (the offline banner's "Try now"), then reads the offline state. */
  async retryOnline() {
    try {
      await backend().refreshAll();
    } catch {
      /* still offline, most likely: the state below says so */
    }
    await this.refreshOffline();
  }

  async refreshOffline() {
    try {
      this.offline = await backend().offlineSince();
    } catch {
      /* keep what we have */
    }
  }

  async refreshStats() {
    try {
      this.stats = await backend().stats();
    } catch {
      /* keep what we have */
    }
  }

  async refreshSettings() {
    try {
      this.settings = await backend().getSettings();
    } catch {
      /* keep what we have */
    }
  }

  /** Subscribes to the engine's events; returns the unsubscribe function. */
  async connect(): Promise<() => void> {
    const offEvents = await backend().onEngineEvent((e) => this.handle(e));
    const offFocus = await backend().onFocusAlert(({ alertId }) => {
      this.view = "alerts";
      this.alertRule = null;
      this.focusAlertId = alertId;
    });
    this.connected = true;
    return () => {
      this.connected = false;
      offEvents();
      offFocus();
    };
  }

  handle(e: EngineEvent) {
    switch (e.type) {
      case "alert": {
        this.#liveAlerts += 1;
        for (const fn of this.alertHandlers) fn(e.alert);
        if (this.stats) {
          this.stats.alerts += 1;
          if (!e.alert.read) this.stats.unread_alerts += 1;
        }
        const rule = this.rules.find((r) => r.id === e.alert.rule_id);
        if (rule) {
          rule.alert_count += 1;
          if (!e.alert.read) rule.unread_count += 1;
        }
        this.announcement = `New alert for ${e.alert.rule_name}: ${e.alert.article.title}`;
        break;
      }
      case "poll_started":
        this.poll = { active: true, done: 0, total: e.feeds };
        break;
      case "poll_progress":
        this.poll = { active: true, done: e.done, total: e.total };
        break;
      case "poll_finished":
        this.poll = { active: false, done: 0, total: 0 };
        this.lastPoll = { summary: e.summary, at: new Date().toISOString() };
        // A big burst is sent live only in part (and a slow window can miss events): the
        // lists and counts are read again rather than patched.
        if (this.#liveAlerts < e.summary.alerts) {
          this.alertsReload += 1;
          void this.refreshRules();
        }
        this.#liveAlerts = 0;
        this.#pollsFinished += 1;
        if (e.summary.new_articles + e.summary.updated_articles > 0) this.articlesReload += 1;
        void this.refreshFeeds();
        void this.refreshStats();
        void this.refreshOffline();
        break;
      case "feed_error": {
        const feed = this.feeds.find((f) => f.id === e.feed_id);
        if (feed) {
          feed.error_count += 1;
          feed.last_error = e.message;
          feed.last_error_code = e.code;
        }
        break;
      }
      case "feeds_changed":
        void this.refreshFeeds();
        void this.refreshStats();
        break;
      case "rules_changed":
        void this.refreshRules();
        void this.refreshStats();
        break;
      case "offline_changed":
        this.offline = e.since;
        if (e.since === null) void this.refreshFeeds();
        break;
      case "spike":
        this.spikes = [e.spike, ...this.spikes].slice(0, 20);
        this.announcement = e.spike.message;
        break;
      case "monitoring_changed":
        if (this.settings) this.settings.paused = e.paused;
        break;
    }
  }

  /** Calls `fn` for every alert that arrives; returns the unsubscribe function. */
  onAlert(fn: (alert: Alert) => void): () => void {
    this.alertHandlers.add(fn);
    return () => this.alertHandlers.delete(fn);
  }

  /** Keeps the unread badges right after alerts were marked read (`delta` < 0) or unread. */
  adjustUnread(ruleId: number | null, delta: number) {
    if (this.stats) this.stats.unread_alerts = Math.max(0, this.stats.unread_alerts + delta);
    if (ruleId !== null) {
      const rule = this.rules.find((r) => r.id === ruleId);
      if (rule) rule.unread_count = Math.max(0, rule.unread_count + delta);
    }
  }

  /** Marks every alert (or one rule's) read in the badges. */
  clearUnread(ruleId: number | null) {
    for (const rule of this.rules) {
      if (ruleId === null || rule.id === ruleId) {
        if (this.stats) this.stats.unread_alerts = Math.max(0, this.stats.unread_alerts - rule.unread_count);
        rule.unread_count = 0;
      }
    }
    if (ruleId === null && this.stats) this.stats.unread_alerts = 0;
  }

  adjustStarred(delta: number) {
    if (this.stats) this.stats.starred = Math.max(0, this.stats.starred + delta);
  }

  async refreshAll() {
    this.refreshing = true;
    this.refreshError = null;
    const finished = this.#pollsFinished;
    try {
      const summary = await backend().refreshAll();
      this.lastPoll = { summary, at: new Date().toISOString() };
      // The engine announces its polls' ends; should that event not have come, the articles
      // the refresh stored are still taken in.
      const announced = this.#pollsFinished !== finished;
      if (!announced && summary.new_articles + summary.updated_articles > 0) this.articlesReload += 1;
      await Promise.all([this.refreshFeeds(), this.refreshStats()]);
    } catch (e) {
      this.refreshError = errorMessage(e);
    } finally {
      this.refreshing = false;
    }
  }

  async setPaused(paused: boolean) {
    const before = this.settings?.paused ?? false;
    if (this.settings) this.settings.paused = paused;
    try {
      await backend().setPaused(paused);
    } catch (e) {
      if (this.settings) this.settings.paused = before;
      throw e;
    }
  }

  go(view: View) {
    this.view = view;
  }

  feedTitle(id: number): string {
    return this.feeds.find((f) => f.id === id)?.title ?? `Feed ${id}`;
  }
}

const KEY = Symbol("wirewatch-app");

export function provideApp(app: AppState): AppState {
  setContext(KEY, app);
  return app;
}

export function useApp(): AppState {
  const app = getContext<AppState | undefined>(KEY);
  if (!app) throw new Error("useApp() outside <App>");
  return app;
}
