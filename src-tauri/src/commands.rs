//! The commands the window calls: one thin adapter per engine operation.
//!
//! Each takes its arguments as the UI sends them (Tauri maps camelCase to snake_case), calls
//! one engine method and returns its result, or the error as an [`ErrorPayload`] with the
//! engine's stable code. The engine's plain methods read and write SQLite where they run, so
//! they run on the blocking pool ([`blocking`]); its `async` methods (adding a feed,
//! refreshing) keep SQLite off the async workers themselves and are awaited directly. So
//! neither the main thread nor the async workers wait on SQLite.

use tauri::ipc::Invoke;
use tauri::{AppHandle, State};
use tauri_plugin_autostart::ManagerExt as _;
use tauri_plugin_opener::OpenerExt as _;
use wirewatch::coverage::{RuleSparkline, TrendQuery};
use wirewatch::error::ErrorPayload;
use wirewatch::model::{
    AddFeedOutcome, Alert, AlertId, AlertQuery, Article, ArticleId, ArticlePage, ArticleQuery,
    ArticleStory, Feed, FeedId, FullTextMode, ImportReport, PollSummary, QueryProblem, Rule,
    RuleDraft, RuleId, RuleScope, RuleTest, Settings, Stats, Story, StoryId, StoryQuery, TermMatch,
};
use wirewatch::rules::lexicon::Concept;
use wirewatch::spike::Sensitivity;
use wirewatch::store::{AlertLatency, FeedHealthReport, SpikeAlert, SpikeSettings, Trend};
use wirewatch::{Engine, Error};

/// What every command returns.
type CmdResult<T> = Result<T, ErrorPayload>;

/// Every command, for `tauri::Builder::invoke_handler`.
pub fn handler() -> impl Fn(Invoke) -> bool + Send + Sync + 'static {
    tauri::generate_handler![
        list_alerts,
        set_alert_read,
        mark_alerts_read,
        list_stories,
        get_story,
        story_of_article,
        article_stories,
        detach_from_story,
        search_articles,
        count_articles,
        get_article,
        article_matches,
        set_article_read,
        set_article_starred,
        list_feeds,
        add_feed,
        remove_feed,
        set_feed_folder,
        set_feed_interval,
        set_feed_full_text,
        refresh_feed,
        refresh_all,
        import_opml,
        export_opml,
        add_starter_pack,
        list_rules,
        add_rule,
        update_rule,
        remove_rule,
        validate_query,
        test_rule,
        list_concepts,
        add_concept_variant,
        remove_concept_variant,
        stats,
        get_settings,
        set_settings,
        set_paused,
        open_link,
        backfill_rule,
        trend,
        rule_sparklines,
        feed_health,
        alert_latency,
        spike_settings,
        set_rule_spikes,
        list_spikes,
        offline_since,
    ]
}

fn payload(err: &Error) -> ErrorPayload {
    ErrorPayload::from(err)
}

/// Runs a synchronous engine call on the blocking pool.
async fn blocking<T, F>(engine: &Engine, f: F) -> CmdResult<T>
where
    T: Send + 'static,
    F: FnOnce(&Engine) -> wirewatch::Result<T> + Send + 'static,
{
    let engine = engine.clone();
    tauri::async_runtime::spawn_blocking(move || f(&engine))
        .await
        .map_err(|_| payload(&Error::ShuttingDown))?
        .map_err(|e| payload(&e))
}

// ---- Stories ----

#[tauri::command]
pub async fn list_stories(engine: State<'_, Engine>, query: StoryQuery) -> CmdResult<Vec<Story>> {
    blocking(&engine, move |e| e.stories(&query)).await
}

#[tauri::command]
pub async fn get_story(engine: State<'_, Engine>, id: StoryId) -> CmdResult<Story> {
    blocking(&engine, move |e| e.story(id)).await
}

#[tauri::command]
pub async fn story_of_article(engine: State<'_, Engine>, id: ArticleId) -> CmdResult<Story> {
    blocking(&engine, move |e| e.story_of_article(id)).await
}

#[tauri::command]
pub async fn article_stories(
    engine: State<'_, Engine>,
    ids: Vec<ArticleId>,
) -> CmdResult<Vec<ArticleStory>> {
    blocking(&engine, move |e| e.article_stories(&ids)).await
}

#[tauri::command]
pub async fn detach_from_story(engine: State<'_, Engine>, id: ArticleId) -> CmdResult<StoryId> {
    blocking(&engine, move |e| e.detach_from_story(id)).await
}

// ---- Alerts ----

#[tauri::command]
pub async fn list_alerts(engine: State<'_, Engine>, query: AlertQuery) -> CmdResult<Vec<Alert>> {
    blocking(&engine, move |e| e.alerts(&query)).await
}

#[tauri::command]
pub async fn set_alert_read(engine: State<'_, Engine>, id: AlertId, read: bool) -> CmdResult<()> {
    blocking(&engine, move |e| e.set_alert_read(id, read)).await
}

#[tauri::command]
pub async fn mark_alerts_read(engine: State<'_, Engine>, rule: Option<RuleId>) -> CmdResult<u64> {
    blocking(&engine, move |e| e.mark_alerts_read(rule)).await
}

// ---- Articles ----

#[tauri::command]
pub async fn search_articles(
    engine: State<'_, Engine>,
    query: ArticleQuery,
) -> CmdResult<ArticlePage> {
    blocking(&engine, move |e| e.articles(&query)).await
}

#[tauri::command]
pub async fn count_articles(engine: State<'_, Engine>, query: ArticleQuery) -> CmdResult<u64> {
    blocking(&engine, move |e| e.article_count(&query)).await
}

#[tauri::command]
pub async fn get_article(engine: State<'_, Engine>, id: ArticleId) -> CmdResult<Article> {
    blocking(&engine, move |e| e.article(id)).await
}

#[tauri::command]
pub async fn article_matches(
    engine: State<'_, Engine>,
    id: ArticleId,
    query: String,
) -> CmdResult<Vec<TermMatch>> {
    blocking(&engine, move |e| e.article_matches(id, &query)).await
}

#[tauri::command]
pub async fn set_article_read(
    engine: State<'_, Engine>,
    id: ArticleId,
    read: bool,
) -> CmdResult<()> {
    blocking(&engine, move |e| e.set_article_read(id, read)).await
}

#[tauri::command]
pub async fn set_article_starred(
    engine: State<'_, Engine>,
    id: ArticleId,
    starred: bool,
) -> CmdResult<()> {
    blocking(&engine, move |e| e.set_article_starred(id, starred)).await
}

// ---- Feeds ----

#[tauri::command]
pub async fn list_feeds(engine: State<'_, Engine>) -> CmdResult<Vec<Feed>> {
    blocking(&engine, |e| e.feeds()).await
}

#[tauri::command]
pub async fn add_feed(
    engine: State<'_, Engine>,
    url: String,
    folder: Option<String>,
) -> CmdResult<AddFeedOutcome> {
    engine
        .add_feed(&url, folder.as_deref())
        .await
        .map_err(|e| payload(&e))
}

#[tauri::command]
pub async fn remove_feed(engine: State<'_, Engine>, id: FeedId) -> CmdResult<()> {
    blocking(&engine, move |e| e.remove_feed(id)).await
}

#[tauri::command]
pub async fn set_feed_folder(
    engine: State<'_, Engine>,
    id: FeedId,
    folder: Option<String>,
) -> CmdResult<()> {
    blocking(&engine, move |e| e.set_feed_folder(id, folder.as_deref())).await
}

#[tauri::command]
pub async fn set_feed_interval(
    engine: State<'_, Engine>,
    id: FeedId,
    interval_secs: Option<i64>,
) -> CmdResult<()> {
    blocking(&engine, move |e| e.set_feed_interval(id, interval_secs)).await
}

/// Whether the feed's new articles get their full text from their own pages; returns the feed.
#[tauri::command]
pub async fn set_feed_full_text(
    engine: State<'_, Engine>,
    id: FeedId,
    mode: FullTextMode,
) -> CmdResult<Feed> {
    blocking(&engine, move |e| e.set_feed_full_text(id, mode)).await
}

#[tauri::command]
pub async fn refresh_feed(engine: State<'_, Engine>, id: FeedId) -> CmdResult<PollSummary> {
    engine.poll_feeds(&[id]).await.map_err(|e| payload(&e))
}

#[tauri::command]
pub async fn refresh_all(engine: State<'_, Engine>) -> CmdResult<PollSummary> {
    engine.refresh_all().await.map_err(|e| payload(&e))
}

#[tauri::command]
pub async fn import_opml(engine: State<'_, Engine>, path: String) -> CmdResult<ImportReport> {
    blocking(&engine, move |e| e.import_opml_file(path.as_ref())).await
}

#[tauri::command]
pub async fn export_opml(engine: State<'_, Engine>, path: String) -> CmdResult<()> {
    blocking(&engine, move |e| {
        let text = e.export_opml()?;
        std::fs::write(&path, text).map_err(|source| Error::Io { path, source })
    })
    .await
}

#[tauri::command]
pub async fn add_starter_pack(engine: State<'_, Engine>) -> CmdResult<ImportReport> {
    blocking(&engine, |e| e.add_starter_pack()).await
}

// ---- Rules ----

#[tauri::command]
pub async fn list_rules(engine: State<'_, Engine>) -> CmdResult<Vec<Rule>> {
    blocking(&engine, |e| e.rules()).await
}

#[tauri::command]
pub async fn add_rule(engine: State<'_, Engine>, draft: RuleDraft) -> CmdResult<Rule> {
    blocking(&engine, move |e| e.add_rule(&draft)).await
}

#[tauri::command]
pub async fn update_rule(
    engine: State<'_, Engine>,
    id: RuleId,
    draft: RuleDraft,
) -> CmdResult<Rule> {
    blocking(&engine, move |e| e.update_rule(id, &draft)).await
}

#[tauri::command]
pub async fn remove_rule(engine: State<'_, Engine>, id: RuleId) -> CmdResult<()> {
    blocking(&engine, move |e| e.remove_rule(id)).await
}

/// Parsing against the user's lexicon (read from the archive), as the user types.
#[tauri::command]
pub async fn validate_query(
    engine: State<'_, Engine>,
    query: String,
) -> CmdResult<Option<QueryProblem>> {
    blocking(&engine, move |e| e.validate_query(&query)).await
}

#[tauri::command]
pub async fn test_rule(
    engine: State<'_, Engine>,
    query: String,
    scope: RuleScope,
    days: u32,
) -> CmdResult<RuleTest> {
    blocking(&engine, move |e| e.test_rule(&query, &scope, days)).await
}

// ---- Lexicon ----

#[tauri::command]
pub async fn list_concepts(engine: State<'_, Engine>) -> CmdResult<Vec<Concept>> {
    blocking(&engine, |e| e.concepts()).await
}

#[tauri::command]
pub async fn add_concept_variant(
    engine: State<'_, Engine>,
    concept: String,
    variant: String,
) -> CmdResult<()> {
    blocking(&engine, move |e| e.add_concept_variant(&concept, &variant)).await
}

#[tauri::command]
pub async fn remove_concept_variant(
    engine: State<'_, Engine>,
    concept: String,
    variant: String,
) -> CmdResult<()> {
    blocking(&engine, move |e| {
        e.remove_concept_variant(&concept, &variant)
    })
    .await
}

// ---- Status and settings ----

#[tauri::command]
pub async fn stats(engine: State<'_, Engine>) -> CmdResult<Stats> {
    blocking(&engine, |e| e.stats()).await
}

#[tauri::command]
pub async fn get_settings(engine: State<'_, Engine>) -> CmdResult<Settings> {
    blocking(&engine, |e| e.settings()).await
}

/// Saves the settings, then registers or removes the login item to match `start_at_login`.
#[tauri::command]
pub async fn set_settings(
    app: AppHandle,
    engine: State<'_, Engine>,
    settings: Settings,
) -> CmdResult<Settings> {
    let saved = blocking(&engine, move |e| e.set_settings(&settings)).await?;
    let autostart = app.autolaunch();
    let result = match saved.start_at_login {
        true => autostart.enable(),
        false => autostart.disable(),
    };
    result.map_err(|err| {
        payload(&Error::Autostart {
            reason: err.to_string(),
        })
    })?;
    Ok(saved)
}

#[tauri::command]
pub async fn set_paused(engine: State<'_, Engine>, paused: bool) -> CmdResult<()> {
    blocking(&engine, move |e| e.set_paused(paused)).await
}

/// Opens an article's link in the default browser; only http and https are let through.
#[tauri::command]
pub async fn open_link(app: AppHandle, url: String) -> CmdResult<()> {
    let parsed = url::Url::parse(&url)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"));
    let Some(parsed) = parsed else {
        return Err(payload(&Error::InvalidUrl {
            url,
            reason: "only http and https links can be opened".into(),
        }));
    };
    app.opener()
        .open_url(parsed.as_str(), None::<&str>)
        .map_err(|err| {
            payload(&Error::OpenLink {
                url: parsed.to_string(),
                reason: err.to_string(),
            })
        })
}

// ---- Coverage over time and feed health ----

#[tauri::command]
pub async fn backfill_rule(engine: State<'_, Engine>, id: RuleId, hours: u32) -> CmdResult<u64> {
    blocking(&engine, move |e| e.backfill_rule(id, hours)).await
}

#[tauri::command]
pub async fn trend(engine: State<'_, Engine>, query: TrendQuery) -> CmdResult<Trend> {
    blocking(&engine, move |e| e.trend(&query)).await
}

#[tauri::command]
pub async fn rule_sparklines(
    engine: State<'_, Engine>,
    days: u32,
    utc_offset_secs: i32,
) -> CmdResult<Vec<RuleSparkline>> {
    blocking(&engine, move |e| e.rule_sparklines(days, utc_offset_secs)).await
}

#[tauri::command]
pub async fn feed_health(engine: State<'_, Engine>) -> CmdResult<Vec<FeedHealthReport>> {
    blocking(&engine, |e| e.feed_health()).await
}

#[tauri::command]
pub async fn alert_latency(engine: State<'_, Engine>) -> CmdResult<Vec<AlertLatency>> {
    blocking(&engine, |e| e.alert_latency()).await
}

#[tauri::command]
pub async fn spike_settings(engine: State<'_, Engine>) -> CmdResult<Vec<SpikeSettings>> {
    blocking(&engine, |e| e.spike_settings()).await
}

#[tauri::command]
pub async fn set_rule_spikes(
    engine: State<'_, Engine>,
    id: RuleId,
    sensitivity: Option<Sensitivity>,
    cool_down_secs: Option<i64>,
) -> CmdResult<SpikeSettings> {
    blocking(&engine, move |e| {
        e.set_rule_spikes(id, sensitivity, cool_down_secs)
    })
    .await
}

#[tauri::command]
pub async fn list_spikes(engine: State<'_, Engine>, days: u32) -> CmdResult<Vec<SpikeAlert>> {
    blocking(&engine, move |e| e.spikes(days)).await
}

#[tauri::command]
pub fn offline_since(engine: State<'_, Engine>) -> Option<String> {
    engine.offline_since().map(|t| t.to_rfc3339())
}
