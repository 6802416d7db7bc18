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
//   widget.js        start-up
//   main.js          window.Docent, then a widget for the script tag
import { api } from "./api.js";
import { guard, warn } from "./guard.js";
import { loadTranslations, pickLanguage } from "./language.js";
import { attributes, request, setContext } from "./state.js";
import { mount } from "./view.js";

// The tag's context and this widget in window.Docent; then the bot's settings and the
// language's strings; then the view, once the page is ready.
export function startWidget(script, globalApi) {
  const base = setContext(script);
  globalApi.widgets.push(api);
  if (!attributes.key) return warn("the script tag needs data-key");
  const language = pickLanguage(attributes);
  const settings = request("/v1/widget/config").then((response) => response.json());
  Promise.all([settings, loadTranslations(base, language)]).then(
    (loaded) => {
      const show = guard(() => mount(loaded[0], language, loaded[1]));
      if (document.readyState == "loading") document.addEventListener("DOMContentLoaded", show);
      else show();
    },
    (error) => {
      // A refused origin looks like a network error: CORS hides the 403 from us.
      warn("not started: " + (error.status_ ? error.message : base + " is unreachable or does not allow this page's origin"));
    },
  );
}
