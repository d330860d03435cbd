import { mockIPC } from "@tauri-apps/api/mocks";
import { describe, expect, it } from "vitest";
import { BackendError, tauriBackend } from "../lib/ipc";
import { findTexts, queryTerms, segments } from "../lib/highlight";
import { problemSpan } from "../lib/problem";

describe("IPC module", () => {
  it("sends Tauri's camelCase argument names", async () => {
    const seen: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      seen.push([cmd, args]);
      return null;
    });
    await tauriBackend.setFeedInterval(4, null);
    await tauriBackend.testRule("ceasefire", { folders: ["India"], feeds: [] }, 30);
    await tauriBackend.markAlertsRead(null);
    expect(seen).toEqual([
      ["set_feed_interval", { id: 4, intervalSecs: null }],
      ["test_rule", { query: "ceasefire", scope: { folders: ["India"], feeds: [] }, days: 30 }],
      ["mark_alerts_read", { rule: null }],
    ]);
  });

  it("turns a rejected invoke into a BackendError with the stable code and problem", async () => {
    mockIPC(() => {
      throw { code: "invalid_query", message: "Unexpected )", problem: { message: "Unexpected )", start: 4, end: 5 } };
    });
    const err = await tauriBackend.searchArticles({
      query: "abc )", feeds: [], folder: null, rule: null, since: null, until: null, starred: false, unread: false, lang: null, limit: 50, cursor: null,
    }).catch((e) => e);
    expect(err).toBeInstanceOf(BackendError);
    expect(err.code).toBe("invalid_query");
    expect(err.problem).toEqual({ message: "Unexpected )", start: 4, end: 5 });
  });

  it("wraps a bare string rejection too", async () => {
    mockIPC(() => {
      throw "window closed";
    });
    const err = await tauriBackend.stats().catch((e) => e);
    expect(err).toBeInstanceOf(BackendError);
    expect(err.message).toBe("window closed");
  });
});

describe("highlighting", () => {
  it("splits text into marked and plain runs, merging overlaps", () => {
    expect(segments("ceasefire talks", [{ start: 0, end: 9 }, { start: 5, end: 11 }])).toEqual([
      { text: "ceasefire t", mark: true },
      { text: "alks", mark: false },
    ]);
  });

  it("finds terms only at word starts", () => {
    expect(findTexts("War talks in Howard", ["war"])).toEqual([{ start: 0, end: 3 }]);
    expect(findTexts("Officials of the army", ["of"])).toEqual([{ start: 10, end: 12 }]);
  });

  it("extracts positive terms from a query", () => {
    expect(queryTerms('ceasefire AND (India OR "line of control") -cricket NOT test negotiat* title:talks NEAR(army talks, 5)')).toEqual([
      "ceasefire", "India", "line of control", "negotiat", "talks", "army", "talks",
    ]);
  });

  it("converts character offsets to UTF-16 for the underline", () => {
    // "🇮🇳" is two characters but four UTF-16 units.
    expect(problemSpan("🇮🇳 (x", { message: "", start: 3, end: 4 })).toEqual({ start: 5, end: 6 });
  });
});
