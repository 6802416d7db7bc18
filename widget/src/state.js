// The one widget's shared state. Each script tag runs its own copy of the bundle, so
// these variables are that widget's, shared without passing anything around. They are
// written only here (an imported binding is read-only); every module above reads them:
// the tag's settings and the request context, the bot's settings and strings, the
// transcript, and the events. A lower module calls a higher one's actions through
// hooks, set by the module that owns each.
import { warn } from "./guard.js";
import { loadTranscript, newTranscript, saveTranscript } from "./persistence.js";
import { createClient } from "./transport.js";

export let attributes, storageKey, request, config, labels, transcript;

// The calls up the module graph: the actions by their public names (open, close,
// toggle, send, reset; api.js sets them, and launcher_, the launcher's click, which
// queues like window.Docent's), announce_ (view.js), retry_ and sync_
// (conversation.js). window.Docent's calls made before the bot's settings are applied
// wait in queued.
export const hooks = {}, queued = [];
const handlers = {};

// The script tag's settings, its requests (to the server the script came from) and
// its transcript (kept in the browser); returns that server's origin.
export function setContext(script) {
  attributes = script.dataset;
  const key = attributes.key, base = new URL(script.src, location.href).origin;
  storageKey = "docent:" + key + ":" + (attributes.target || "");
  request = createClient(base, key);
  transcript = loadTranscript(storageKey);
  return base;
}

// The bot's settings and the language's strings (config.js reads them), once loaded.
export function configure(read) {
  config = read;
  labels = read.labels_;
}

// A new session: an empty transcript, saved.
export function newSession() {
  transcript = newTranscript();
  save();
}

export function save() {
  saveTranscript(storageKey, transcript);
}

// window.Docent's on(event, handler): returns the function that removes the handler.
export function on(event, handler) {
  (handlers[event] = handlers[event] || []).push(handler);
  return () => {
    handlers[event] = handlers[event].filter((other) => other != handler);
  };
}

export function emit(event, detail) {
  (handlers[event] || []).forEach((handler) => {
    try {
      handler(detail);
    } catch (error) {
      warn(event + " handler threw", error);
    }
  });
}

// Once the view is mounted: the calls that waited, then "ready".
export function ready() {
  queued.forEach((call) => hooks[call[0]](call[1]));
  emit("ready");
}
