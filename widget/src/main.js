/*! Docent chat widget. Install: <script src="https://HOST/widget.js" data-key="pk_…" async></script> */
// The entry point: window.Docent, then a widget for this script tag.
import { warn } from "./guard.js";
import { API_METHODS } from "./api.js";
import { startWidget } from "./widget.js";

// window.Docent: every widget on the page, and the methods, which act on the first.
function createGlobalApi() {
  const globalApi = { widgets: [], version: 1 };
  API_METHODS.concat("on").forEach((name) => {
    globalApi[name] = function () {
      const first = globalApi.widgets[0];
      return first && first[name].apply(first, arguments);
    };
  });
  return globalApi;
}

const script = document.currentScript || document.querySelector('script[data-key][src*="widget.js"]');

// One global, defined only if absent; a foreign window.Docent is left alone.
let globalApi = window.Docent;
if (!globalApi) globalApi = window.Docent = createGlobalApi();
else if (!globalApi.widgets) {
  warn("window.Docent is taken: no API");
  globalApi = createGlobalApi();
}
try {
  if (!script || !window.fetch || !document.head.attachShadow) warn("unsupported browser");
  else startWidget(script, globalApi);
} catch (error) {
  warn("could not start", error);
}
