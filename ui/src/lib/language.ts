// The window's language tag, made usable before anything formats with it.
//
// WebKit reports the process's locale as `navigator.language`. On a system whose locale is C or
// POSIX that is "C", which is no language tag: a library that formats numbers with it as it
// loads (uPlot does, for its axes) throws a RangeError, and the window stays blank. Such a
// system has said nothing about its reader, so it reads as English (as `time.ts` decides too).
// `main.ts` imports this module first, so it runs before any other module is evaluated.

/** `tag` in canonical form when it is a language tag, else "en". */
export function usableLanguage(tag: string | null | undefined): string {
  // "POSIX" is well-formed as a tag (a five-letter language), but names no language.
  if (!tag || /^(c|posix)([._@-]|$)/i.test(tag)) return "en";
  try {
    return Intl.getCanonicalLocales(tag)[0] ?? "en";
  } catch {
    return "en";
  }
}

const usable = usableLanguage(navigator.language);
if (usable !== navigator.language) {
  Object.defineProperty(navigator, "language", { value: usable, configurable: true });
  Object.defineProperty(navigator, "languages", { value: [usable], configurable: true });
}
