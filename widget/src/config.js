// The widget's settings: the bot's (GET /v1/widget/config), overridden by the
// script tag's data-* attributes, with the interface strings in the visitor's language.

export const ENGLISH_LABELS = {
  open: "Open chat", close: "Close chat", send: "Send", stop: "Stop", retry: "Retry",
  copy: "Copy answer", copied: "Copied", reset: "New conversation", sources: "Sources",
  up: "Helpful", down: "Not helpful", thanks: "Thanks!", typing: "Typing", stopped: "Stopped.",
  input: "Message", error: "Something went wrong.", network: "Connection lost.",
  rate: "Too many messages. Try again in {s} s.", why: "What was wrong? (optional)",
  ask: "Ask a question…", handoff: "Talk to a person", lead: "Leave your details", name: "Name",
  email: "Email", sent: "Thanks! We will get back to you.",
};

// data-* attributes (camelCased by dataset) that override the setting of the same name
// in snake_case; data-avatar is short for data-avatar-url.
const ATTRIBUTE_SETTINGS =
  "title position placeholder mode target dir theme accentColor welcomeMessage starterQuestions avatar avatarUrl".split(" ");

const DEFAULT_ACCENT = "#4f46e5";

// Labels: English, the language's file, the owner's ("send" or "fr.send"), then data-labels.
export function readConfig(server, attributes, language, translations) {
  const config = Object.assign({}, server), ownerLabels = config.labels || {};
  let pageLabels = {};
  ATTRIBUTE_SETTINGS.forEach((name) => {
    if (attributes[name] != null) config[name == "avatar" ? "avatar_url" : name.replace(/[A-Z]/g, "_$&").toLowerCase()] = attributes[name];
  });
  try {
    pageLabels = JSON.parse(attributes.labels || "{}");
  } catch (_) {}
  const labels = Object.assign({}, ENGLISH_LABELS, translations);
  for (const name in ownerLabels) if (name.indexOf(".") < 0) labels[name] = ownerLabels[name];
  for (const name in ownerLabels) {
    if (name.indexOf(language + ".") == 0) labels[name.slice(language.length + 1)] = ownerLabels[name];
  }
  config.labels_ = Object.assign(labels, pageLabels);
  config.accent_ = hexColor(config.accent_color) || DEFAULT_ACCENT;
  config.starters_ = starterQuestions(config.starter_questions);
  return config;
}

function hexColor(value) {
  const match = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(String(value || "").trim());
  if (!match) return "";
  return "#" + (match[1].length == 3 ? match[1].replace(/./g, "$&$&") : match[1]);
}

// Pick black or white text for the accent, whichever contrasts more (always >= 4.5:1).
export function textColorOn(hex) {
  const luminance = [1, 3, 5].reduce((sum, at, channel) => {
    let value = parseInt(hex.substr(at, 2), 16) / 255;
    value = value <= 0.04045 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
    return sum + value * [0.2126, 0.7152, 0.0722][channel];
  }, 0);
  return (luminance + 0.05) * (luminance + 0.05) > 0.0525 ? "#000" : "#fff";
}

// A JSON array or "One?|Two?": at most six non-empty questions.
function starterQuestions(value) {
  if (typeof value == "string") {
    try {
      value = JSON.parse(value);
    } catch (_) {
      value = value.split("|");
    }
  }
  return (Array.isArray(value) ? value : [])
    .map((question) => String(question).trim())
    .filter(Boolean)
    .slice(0, 6);
}
