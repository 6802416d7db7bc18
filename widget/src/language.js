// The interface language: data-lang, else the page's <html lang>, else the browser's;
// only the primary subtag counts. English is built in; another language's strings are
// fetched from /widget/i18n/<lang>.json only when needed.

// Languages with a file under widget/i18n/.
const TRANSLATED = /^(fr|de|es|nl|pt|it|ja)$/;

export function pickLanguage(attributes) {
  return (attributes.lang || document.documentElement.lang || navigator.language || "en")
    .toLowerCase()
    .split("-")[0];
}

// The language's strings, or {} (English) when it has none or they cannot be fetched.
export function loadTranslations(base, language) {
  if (!TRANSLATED.test(language)) return {};
  return fetch(base + "/widget/i18n/" + language + ".json")
    .then((response) => (response.ok ? response.json() : {}))
    .catch(() => ({}));
}
