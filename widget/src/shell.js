// The widget's place in the page: a <docent-widget> host whose shadow root holds the
// stylesheet and the wrapper that carries the direction, the language and the theme
// (following prefers-color-scheme); paintShell sets the stylesheet (with the accent
// colour, and the full height inline) and the launcher's side, and sets them again when
// the bot's settings arrive.
import { textColorOn } from "./config.js";
import { element } from "./dom.js";
import { guard } from "./guard.js";
import { STYLESHEET } from "./styles.js";

// Put the host at the end of `target`; return the wrapper (its parent is the shadow root).
export function createShell(target, config, isInline, language, onKeydown) {
  const host = element("docent-widget"), root = host.attachShadow({ mode: "open" });
  const direction =
    config.dir || document.documentElement.dir || document.body.dir || getComputedStyle(document.documentElement).direction;
  const wrapper = root.appendChild(
    element("div", {
      class: isInline ? "w in" : "w",
      dir: direction == "rtl" ? "rtl" : "ltr",
      lang: language,
      keydown: onKeydown,
    }),
  );
  const darkScheme = window.matchMedia && matchMedia("(prefers-color-scheme: dark)");
  function applyTheme() {
    wrapper.classList.toggle("dk", config.theme == "dark" || (config.theme != "light" && !!darkScheme && darkScheme.matches));
  }
  applyTheme();
  if (darkScheme && darkScheme.addEventListener) darkScheme.addEventListener("change", guard(applyTheme));
  target.append(host);
  return wrapper;
}

// The stylesheet with the accent colour (a new one each time), and the launcher's side
// (inline, the panel's own rules win over "lf").
export function paintShell(wrapper, config, isInline) {
  const root = wrapper.parentNode;
  const css =
    STYLESHEET +
    ":host{--ac:" + config.accent_ + ";--on:" + textColorOn(config.accent_) + (isInline ? ";height:100%!important" : "") + "}";
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    root.adoptedStyleSheets = [sheet];
  } catch (_) {
    // Safari before 16.4: no constructable stylesheets. The last <style> wins.
    root.append(element("style", 0, css));
  }
  wrapper.classList.toggle("lf", config.position == "left");
}
