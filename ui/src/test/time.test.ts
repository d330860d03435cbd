import { describe, expect, it } from "vitest";
import { count, displayLocale, duration, plural, relativeTime } from "../lib/time";

describe("formatting for the reader's locale", () => {
  it("reads a bare system's C locale as English, so large counts keep their grouping", () => {
    const posix = "en-US-u-va-posix";
    expect(new Intl.NumberFormat(posix).format(98506)).toBe("98506");
    const chosen = displayLocale(posix);
    expect(chosen).toBe("en");
    expect(new Intl.NumberFormat(chosen).format(98506)).toBe("98,506");
    expect(displayLocale("en-US-u-ca-gregory-va-posix")).toBe("en");
  });

  it("keeps every locale the user chose", () => {
    for (const chosen of ["en-US", "de-DE", "ur-PK", "hi-IN", "en-GB-u-hc-h23", "fr-CA"]) {
      expect(displayLocale(chosen)).toBeUndefined();
    }
  });

  it("groups counts and picks the plural", () => {
    expect(count(1_000_000)).toMatch(/^1\D000\D000$/);
    expect(plural(1, "article")).toBe("1 article");
    expect(plural(2, "story", "stories")).toBe("2 stories");
  });

  it("says durations and relative times briefly", () => {
    expect(duration(45)).toBe("45 s");
    expect(duration(5400)).toBe("1 h 30 min");
    const now = Date.parse("2026-11-28T12:00:00Z");
    expect(relativeTime("2026-11-28T11:59:58Z", now)).toBe("just now");
    expect(relativeTime(null, now)).toBe("never");
    expect(relativeTime("2026-11-28T10:00:00Z", now)).not.toBe("");
  });
});
