// One widget for one script tag: its start-up. Each module imports only modules listed
// before it here (build.mjs fails the build on an import cycle):
//   guard, dom, config, styles, shell, markdown, sources, transport, persistence and
//   language: no state (warnings, DOM nodes, settings, stylesheet, shadow root,
//   markdown, sources, requests, storage, language)
//   state.js         the tag's settings, the request context, the bot's settings and
//                    strings, the transcript, events (on, emit), hooks (calls upward)
//   forms.js         send buttons, ratings sent, the thumbs-down comment form, the
//                    hand-off and lead form
//   messages.js      one message: bubble, status, error and Retry, sources, copy, thumbs
//   view.js          the launcher, the panel, the log, the hand-off bar, announcements
//   conversation.js  one streamed answer, Retry, starting over, the server's transcript
//   api.js           the actions, window.Docent's calls for this widget
//   widget.js        start-up: the launcher at once, then the bot's settings
//   main.js          window.Docent, then a widget for the script tag
import { api } from "./api.js";
import { guard, warn } from "./guard.js";
import { loadTranslations, pickLanguage } from "./language.js";
import { store, stored } from "./persistence.js";
import { attributes, request, setContext } from "./state.js";
import { mount, unmount } from "./view.js";

// The tag's context and this widget in window.Docent; then, first, the request for the
// bot's settings. Once the page is ready the launcher is drawn at once, with the settings
// this browser last received for the key (else the tag's and the defaults); when the
// bot's settings and the language's strings arrive they are applied, kept for the next
// page, and the widget is ready. If they cannot be had, the widget goes.
export function startWidget(script, globalApi) {
  const base = setContext(script);
  globalApi.widgets.push(api);
  if (!attributes.key) return warn("no data-key");
  const settings = request("/v1/widget/config").then((response) => response.json());
  const language = pickLanguage(attributes), settingsKey = "docent:" + attributes.key;
  // The body exists once the page is parsed (page is false when it already is).
  const page = document.readyState == "loading" && new Promise((resolve) => document.addEventListener("DOMContentLoaded", resolve));
  let failed;
  Promise.all([page]).then(guard(() => failed || mount(stored(settingsKey), language)));
  Promise.all([settings, loadTranslations(base, language), page]).then(
    guard((loaded) => {
      store(settingsKey, loaded[0]);
      mount(loaded[0], language, loaded[1]);
    }),
    (error) => {
      failed = 1;
      unmount();
      // A refused origin looks like a network error: CORS hides the 403 from us.
      warn("not started: " + (error.status_ ? error.message : base + " is unreachable or refuses this origin"));
    },
  );
}
