// Tests of scripts/check-commands.mjs: it passes on agreeing sources and names each kind of
// drift. Run with `node --test scripts/check-commands.test.mjs` (scripts/check-bindings.sh does).

import assert from "node:assert/strict";
import { test } from "node:test";
import { drift, registeredCommands, rustCommands, uiCalls } from "./check-commands.mjs";

const shell = `
//! Commands. A comment naming #[tauri::command] fn not_a_command() is not one.
use tauri::{AppHandle, State};

pub fn handler() -> impl Fn(Invoke) -> bool {
    tauri::generate_handler![
        list_feeds,
        commands::set_feed_folder,
        open_link, // trailing comma and comment
    ]
}

/* #[tauri::command]
   pub async fn commented_out() {} */

#[tauri::command]
pub async fn list_feeds(engine: State<'_, Engine>) -> CmdResult<Vec<Feed>> {
    blocking(&engine, |e| e.feeds()).await
}

/// Moves a feed.
#[tauri::command]
#[allow(clippy::needless_pass_by_value)]
pub async fn set_feed_folder(
    engine: State<'_, Engine>,
    id: FeedId,
    folder: Option<String>,
) -> CmdResult<()> {
    let note = "#[tauri::command] fn in_a_string() // not a comment either";
    let quote = '"';
    blocking(&engine, move |e| e.set_feed_folder(id, folder.as_deref())).await
}

#[tauri::command(async)]
pub fn open_link(app: AppHandle, url: String, new_window_hint: bool) -> CmdResult<()> {
    Ok(())
}
`;

const ipc = `
// call("commented_out") is a comment.
export const tauriBackend = {
  listFeeds: () => call("list_feeds"),
  setFeedFolder: (id, folder) => call<void>("set_feed_folder", { id, folder: folder ?? null }),
  openLink: (url) => call("open_link", { url, newWindowHint: false }),
  pick: () => invoke("plugin:dialog|open", { options }),
};
`;

test("reads commands, their UI argument names and the registered names", () => {
  const commands = rustCommands(shell);
  assert.deepEqual([...commands.keys()], ["list_feeds", "set_feed_folder", "open_link"]);
  assert.deepEqual(commands.get("list_feeds"), [], "State is injected, not sent");
  assert.deepEqual(commands.get("set_feed_folder"), ["id", "folder"]);
  assert.deepEqual(commands.get("open_link"), ["url", "newWindowHint"], "AppHandle skipped, camelCased");
  assert.deepEqual(registeredCommands(shell), ["list_feeds", "set_feed_folder", "open_link"]);
  const calls = uiCalls(ipc);
  assert.deepEqual([...calls.keys()], ["list_feeds", "set_feed_folder", "open_link"], "plugin commands left out");
  assert.deepEqual(calls.get("set_feed_folder"), ["id", "folder"]);
});

test("agreeing sources have no drift", () => {
  assert.deepEqual(drift([shell], ipc), []);
});

test("a command the UI calls under another name is drift on both sides", () => {
  const problems = drift([shell], ipc.replace('"list_feeds"', '"list_feed"'));
  assert.ok(problems.some((p) => p.includes("does not have: list_feed")), problems.join("\n"));
  assert.ok(problems.some((p) => p.includes("does not wrap: list_feeds")), problems.join("\n"));
});

test("a command missing from generate_handler! is reported", () => {
  const problems = drift([shell.replace("        list_feeds,\n", "")], ipc);
  assert.ok(problems.some((p) => p.includes("not registered in generate_handler!: list_feeds")), problems.join("\n"));
});

test("a registered name without a command is reported", () => {
  const problems = drift([shell.replace("open_link, //", "open_link, remove_feed, //")], ipc);
  assert.ok(problems.some((p) => p.includes("not #[tauri::command] functions: remove_feed")), problems.join("\n"));
});

test("an argument renamed on one side is reported", () => {
  const problems = drift([shell], ipc.replace("{ id, folder:", "{ feedId: id, folder:"));
  assert.deepEqual(problems, ["ipc.ts's call to set_feed_folder does not send id and sends feedId, which the command does not take"]);
});

test("a command added in the shell but not in ipc.ts is reported, wherever it is registered", () => {
  const added = `
#[tauri::command]
pub async fn remove_feed(engine: State<'_, Engine>, id: FeedId) -> CmdResult<()> { todo() }
fn more() -> impl Fn(Invoke) -> bool { tauri::generate_handler![remove_feed] }
`;
  assert.deepEqual(drift([shell, added], ipc), ["commands ipc.ts does not wrap: remove_feed"]);
});

test("sources without commands fail rather than pass vacuously", () => {
  assert.ok(drift([""], ipc).some((p) => p.includes("no #[tauri::command]")));
  assert.ok(drift([shell], "").some((p) => p.includes("calls no command")));
});
