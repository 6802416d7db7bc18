// One widget for one script tag, and its start-up. Each script tag runs its own copy of
// the bundle, so the modules' variables are that one widget's state, shared without
// passing anything around: a module owns what it writes and exports it for the others
// to read (an imported binding is read-only):
//   widget.js        the tag's settings (key, server, storage key) and start-up
//   api.js           the actions, window.Docent's calls for this widget, events
//   view.js          the launcher, the panel, the log, the hand-off bar, announcements
//   messages.js      one message: bubble, status, error and Retry, sources, copy, thumbs
//   forms.js         the thumbs-down comment form and the hand-off and lead form
//   conversation.js  the transcript, one streamed answer, the server's transcript
// Everything without state lives in its own module (config, language, transport,
// persistence, shell, markdown, sources, dom, styles).
import { api } from "./api.js";
import { resumeConversation } from "./conversation.js";
import { guard, warn } from "./guard.js";
import { loadTranslations, pickLanguage } from "./language.js";
import { createClient } from "./transport.js";
import { mount } from "./view.js";

export let attributes, storageKey, request;

export function startWidget(script, globalApi) {
  attributes = script.dataset;
  const key = attributes.key, base = new URL(script.src, location.href).origin;
  storageKey = "docent:" + key + ":" + (attributes.target || "");
  request = createClient(base, key);
  resumeConversation();
  globalApi.widgets.push(api);
  boot(key, base);
  return api;
}

// The bot's settings and the language's strings, then the view once the page is ready.
function boot(key, base) {
  if (!key) return warn("the script tag needs data-key");
  const language = pickLanguage(attributes);
  const settings = request("/v1/widget/config").then((response) => response.json());
  Promise.all([settings, loadTranslations(base, language)]).then(
    (loaded) => whenReady(() => mount(loaded[0], language, loaded[1])),
    (error) => {
      // A refused origin looks like a network error: CORS hides the 403 from us.
      warn("not started: " + (error.status_ ? error.message : base + " is unreachable or does not allow this page's origin"));
    },
  );
}

function whenReady(fn) {
  fn = guard(fn);
  if (document.readyState == "loading") document.addEventListener("DOMContentLoaded", fn);
  else fn();
}
