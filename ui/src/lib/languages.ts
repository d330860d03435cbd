// The languages the window offers to filter articles by, and names for the codes the engine
// stores (ISO 639-1). The first are those of the starter pack; others keep their code.

export const FILTER_LANGUAGES: { code: string; name: string }[] = [
  { code: "en", name: "English" },
  { code: "ur", name: "Urdu" },
  { code: "hi", name: "Hindi" },
  { code: "zh", name: "Chinese" },
  { code: "ar", name: "Arabic" },
  { code: "fa", name: "Persian" },
  { code: "bn", name: "Bengali" },
  { code: "ru", name: "Russian" },
  { code: "fr", name: "French" },
  { code: "de", name: "German" },
  { code: "es", name: "Spanish" },
];

/** A language's name, or its code in capitals when the window has no name for it. */
export function languageName(code: string): string {
  return FILTER_LANGUAGES.find((l) => l.code === code)?.name ?? code.toUpperCase();
}
