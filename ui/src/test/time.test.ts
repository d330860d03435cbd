import { describe, expect, it } from "vitest";
import { calendarDate, count, displayLocale, duration, plural, relativeTime } from "../lib/time";

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

describe("times people can trust", () => {
  const now = Date.parse("2026-12-07T12:00:00Z");

  it("says a story of 11 May 2025 by its date, not as '2 yr. ago' (19 months, rounded up)", () => {
    const said = relativeTime("2025-05-11T09:00:00Z", now);
    expect(said).not.toMatch(/yr|year|ago/);
    expect(said).toContain("2025");
    expect(said).toBe(calendarDate(Date.parse("2025-05-11T09:00:00Z"), now));
  });

  it("keeps relative times within a day, truncated rather than rounded up", () => {
    expect(relativeTime("2026-12-07T10:01:00Z", now)).toMatch(/^1 h/);
    expect(relativeTime("2026-12-07T11:55:00Z", now)).toMatch(/^5 min/);
    expect(relativeTime("2026-12-06T12:30:00Z", now)).toMatch(/^23 h/);
    expect(relativeTime("2026-12-07T14:00:00Z", now)).toMatch(/^in 2 h/);
  });

  it("gives a date beyond a day, without the year in the current one", () => {
    const yesterday = relativeTime("2026-12-06T11:00:00Z", now);
    expect(yesterday).toBe(calendarDate(Date.parse("2026-12-06T11:00:00Z"), now));
    expect(yesterday).not.toContain("2026");
    expect(yesterday).toMatch(/6/);
    expect(relativeTime("2026-12-09T12:00:00Z", now)).not.toMatch(/^in/);
  });
});
