// Fails when the Tauri commands of the shell and the UI's calls to them drift apart.
//
// Command names are written on both sides of the IPC seam: `#[tauri::command]` functions and
// their `tauri::generate_handler!` list in src-tauri/src/, and the `call("name", { args })`
// lines of ui/src/lib/ipc.ts. A misspelt or forgotten name compiles on both sides and only
// fails when the window calls it, so this compares, in order:
//
// 1. the functions marked `#[tauri::command]` with the names registered in `generate_handler!`
//    (a command that is not registered cannot be called; a registered name that is not a
//    command does not compile, but is reported anyway);
// 2. the registered commands with the names ipc.ts calls (`plugin:` commands belong to plugins
//    and are left out);
// 3. for each command called from ipc.ts, the argument names it sends with the command's
//    parameters, camelCased as Tauri expects them (parameters Tauri injects, such as `State`
//    and `AppHandle`, are not sent).
//
// Usage: node scripts/check-commands.mjs [SHELL_SRC_DIR IPC_TS]; the parsing functions are
// exported for scripts/check-commands.test.mjs.

import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

/** Parameter types Tauri fills in itself; the UI never sends them. */
const INJECTED = /^(?:tauri::)?(?:State|AppHandle|Window|WebviewWindow|Webview|ipc::Channel|Channel|ipc::Request|Request)\b/;

/**
 * Rust source with comments removed and string and character literals emptied, in one pass
 * (so a `//` inside a string is not a comment), so neither can fake or hide a command.
 */
export function stripRust(source) {
  let out = "";
  let i = 0;
  const n = source.length;
  while (i < n) {
    const c = source[i];
    const next = source[i + 1];
    if (c === "/" && next === "/") {
      while (i < n && source[i] !== "\n") i++;
    } else if (c === "/" && next === "*") {
      // Block comments nest in Rust.
      let depth = 0;
      do {
        if (source.startsWith("/*", i)) (depth++, (i += 2));
        else if (source.startsWith("*/", i)) (depth--, (i += 2));
        else i++;
      } while (i < n && depth > 0);
      out += " ";
    } else if ((c === "r" || c === "b") && /^(?:br|r)#*"/.test(source.slice(i, i + 40)) && !/\w/.test(source[i - 1] ?? "")) {
      const open = source.slice(i).match(/^(?:br|r)(#*)"/);
      const close = `"${open[1]}`;
      const end = source.indexOf(close, i + open[0].length);
      i = end < 0 ? n : end + close.length;
      out += '""';
    } else if (c === '"') {
      i++;
      while (i < n && source[i] !== '"') i += source[i] === "\\" ? 2 : 1;
      i++;
      out += '""';
    } else if (c === "'" && /^'(?:[^'\\\n]|\\[^\n]{1,9}?)'/.test(source.slice(i, i + 12))) {
      // A character literal ('"', '\''); a lifetime ('a, '_) has no closing quote.
      i += source.slice(i, i + 12).match(/^'(?:[^'\\\n]|\\[^\n]{1,9}?)'/)[0].length;
      out += "' '";
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Splits `text` at top-level commas (outside (), <>, [] and {}). */
function splitTopLevel(text) {
  const parts = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if ("(<[{".includes(c)) depth++;
    else if (")>]}".includes(c) && text[i - 1] !== "-") depth--;
    else if (c === "," && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p !== "");
}

/** `snake_case` → `camelCase`, as Tauri renames command arguments by default. */
export function camel(name) {
  return name.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
}

/**
 * The `#[tauri::command]` functions of one Rust file: name → the argument names the UI must
 * send (camelCased), or `null` when the attribute renames them (`rename_all`), which this
 * check does not follow.
 */
export function rustCommands(source) {
  const code = stripRust(source);
  const commands = new Map();
  const attribute = /#\[\s*(?:tauri\s*::\s*)?command\b(\s*\([^)]*\))?\s*\]/g;
  for (const m of code.matchAll(attribute)) {
    const rest = code.slice(m.index + m[0].length);
    // Other attributes may sit between the attribute and the function.
    const fn = rest.match(
      /^(?:\s*#\[[^\]]*\])*\s*(?:pub(?:\s*\([^)]*\))?\s+)?(?:async\s+)?fn\s+(?:r#)?([A-Za-z_][A-Za-z0-9_]*)\s*(?:<[^(]*>)?\s*\(/,
    );
    if (!fn) continue;
    const open = fn.index + fn[0].length;
    let depth = 1;
    let i = open;
    while (i < rest.length && depth > 0) {
      if (rest[i] === "(") depth++;
      else if (rest[i] === ")") depth--;
      i++;
    }
    const params = splitTopLevel(rest.slice(open, i - 1))
      .map((p) => p.match(/^(?:mut\s+)?(?:r#)?([A-Za-z_][A-Za-z0-9_]*)\s*:\s*([\s\S]*)$/))
      .filter((p) => p && !INJECTED.test(p[2].replace(/^&\s*(?:'\w+\s+)?/, "")))
      .map((p) => camel(p[1].replace(/^_/, "")));
    commands.set(fn[1], m[1] && /rename_all/.test(m[1]) ? null : params);
  }
  return commands;
}

/** The names registered by every `generate_handler![…]` of one Rust file (last path segment). */
export function registeredCommands(source) {
  const code = stripRust(source);
  const names = [];
  for (const m of code.matchAll(/generate_handler!\s*[[(]([^\])]*)[\])]/g)) {
    for (const item of splitTopLevel(m[1])) names.push(item.split("::").pop().trim());
  }
  return names;
}

/** TypeScript source with comments blanked (strings stay: they carry the names). */
function stripTs(source) {
  return source.replace(/\/\*[\s\S]*?\*\//g, " ").replace(/(^|[^:"'`])\/\/[^\n]*/g, "$1");
}

/**
 * The commands ipc.ts calls through `call(…)` or `invoke(…)`: name → the argument names sent,
 * or `null` when the arguments are not an object literal this check can read.
 */
export function uiCalls(source) {
  const code = stripTs(source);
  const calls = new Map();
  const call = /\b(?:call|invoke)\s*(?:<[^>]*>)?\s*\(\s*(["'`])([^"'`]+)\1\s*(?:,\s*)?/g;
  for (const m of code.matchAll(call)) {
    const name = m[2];
    if (name.startsWith("plugin:")) continue;
    const rest = code.slice(m.index + m[0].length);
    let args = [];
    if (rest.startsWith("{")) {
      let depth = 0;
      let i = 0;
      do {
        if (rest[i] === "{") depth++;
        else if (rest[i] === "}") depth--;
        i++;
      } while (i < rest.length && depth > 0);
      args = splitTopLevel(rest.slice(1, i - 1)).map((entry) => {
        const key = entry.match(/^(?:["']([^"']+)["']|([A-Za-z_$][\w$]*))/);
        return key ? (key[1] ?? key[2]) : null;
      });
      if (args.includes(null)) args = null;
    } else if (!rest.startsWith(")")) {
      args = null;
    }
    // A command called twice is checked on its first call.
    if (!calls.has(name)) calls.set(name, args);
  }
  return calls;
}

const sorted = (names) => [...names].sort().join(", ");

/** Every disagreement between the shell's sources and ipc.ts, as sentences; empty when none. */
export function drift(rustSources, tsSource) {
  const commands = new Map();
  const registered = new Set();
  for (const source of rustSources) {
    for (const [name, params] of rustCommands(source)) commands.set(name, params);
    for (const name of registeredCommands(source)) registered.add(name);
  }
  const calls = uiCalls(tsSource);
  const problems = [];
  if (commands.size === 0) problems.push("no #[tauri::command] function was found in the shell");
  if (calls.size === 0) problems.push("ipc.ts calls no command");

  const unregistered = [...commands.keys()].filter((n) => !registered.has(n));
  if (unregistered.length) problems.push(`commands not registered in generate_handler!: ${sorted(unregistered)}`);
  const notCommands = [...registered].filter((n) => !commands.has(n));
  if (notCommands.length) problems.push(`registered but not #[tauri::command] functions: ${sorted(notCommands)}`);

  const unknown = [...calls.keys()].filter((n) => !registered.has(n));
  if (unknown.length) problems.push(`ipc.ts calls commands the shell does not have: ${sorted(unknown)}`);
  const uncalled = [...registered].filter((n) => commands.has(n) && !calls.has(n));
  if (uncalled.length) problems.push(`commands ipc.ts does not wrap: ${sorted(uncalled)}`);

  for (const [name, sent] of calls) {
    const expected = commands.get(name);
    if (!registered.has(name) || !expected || !sent) continue;
    const missing = expected.filter((a) => !sent.includes(a));
    const extra = sent.filter((a) => !expected.includes(a));
    if (missing.length || extra.length) {
      const parts = [];
      if (missing.length) parts.push(`does not send ${sorted(missing)}`);
      if (extra.length) parts.push(`sends ${sorted(extra)}, which the command does not take`);
      problems.push(`ipc.ts's call to ${name} ${parts.join(" and ")}`);
    }
  }
  return problems;
}

function main() {
  const root = join(dirname(fileURLToPath(import.meta.url)), "..");
  const shellDir = process.argv[2] ?? join(root, "src-tauri", "src");
  const ipcPath = process.argv[3] ?? join(root, "ui", "src", "lib", "ipc.ts");
  const rustFiles = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".rs")) rustFiles.push(path);
    }
  };
  walk(shellDir);
  const problems = drift(
    rustFiles.map((f) => readFileSync(f, "utf8")),
    readFileSync(ipcPath, "utf8"),
  );
  if (problems.length) {
    for (const p of problems) console.error(`check-commands: ${p}`);
    console.error(
      `check-commands: the commands in ${relative(root, shellDir)} and ${relative(root, ipcPath)} disagree; ` +
        "change both sides together",
    );
    process.exit(1);
  }
  const count = rustFiles.reduce((n, f) => n + rustCommands(readFileSync(f, "utf8")).size, 0);
  console.log(`check-commands: ${count} commands agree between the shell and ipc.ts`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
