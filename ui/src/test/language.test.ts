import { describe, expect, it } from "vitest";
import { usableLanguage } from "../lib/language";

describe("usableLanguage", () => {
  it("keeps a language tag, in canonical form", () => {
    expect(usableLanguage("en-US")).toBe("en-US");
    expect(usableLanguage("ur-pk")).toBe("ur-PK");
  });

  it("reads a C or POSIX locale, or none, as English", () => {
    expect(usableLanguage("C")).toBe("en");
    expect(usableLanguage("POSIX")).toBe("en");
    expect(usableLanguage("")).toBe("en");
    expect(usableLanguage(undefined)).toBe("en");
  });

  it("gives a tag that number formatting accepts", () => {
    expect(() => new Intl.NumberFormat(usableLanguage("C"))).not.toThrow();
  });
});
