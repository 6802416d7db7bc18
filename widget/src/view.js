// The view: the settings applied, the launcher, the panel (header, log, hand-off bar,
// live region, message form), opening and closing it, and the log redrawn.
import { readConfig } from "./config.js";
import { element, icon, iconButton, textButton } from "./dom.js";
import { openLeadForm, sendButton } from "./forms.js";
import { warn } from "./guard.js";
import { safeUrl } from "./markdown.js";
import { drawMessage } from "./messages.js";
import { createShell, paintShell } from "./shell.js";
import { attributes, config, configure, emit, hooks, labels, ready, storageKey, transcript } from "./state.js";

// isOpen and busy start falsy (undefined): nothing open, nothing streaming. busy is the
// streaming answer's AbortController (Stop aborts it). root (the shadow root) is set
// once the bot's settings are applied: until then window.Docent's calls wait.
export let root, log, input, isOpen, busy;
let isInline, wrapper, launcher, panel, handoffBar, liveRegion, submitButton;

// The shell in the body (or data-target inline) and the launcher, drawn at once with the
// settings at hand; then again with the bot's and the language's strings (`translations`
// given): the panel inline, the panel left open on the previous page, the calls that
// waited. Until then the launcher is aria-busy, and a click on it waits in the queue too
// (api.js's launcher_).
export function mount(server, language, translations) {
  configure(readConfig(server, attributes, language, translations));
  isInline = config.mode == "inline";
  if (!wrapper) {
    if (isInline && !translations) return;
    const target = isInline ? document.querySelector(config.target) : document.body;
    if (!target) return warn("no element matches data-target " + config.target);
    wrapper = createShell(target, config, isInline, language, (event) => {
      if (event.key == "Escape") closePanel();
    });
    if (!isInline) {
      launcher = wrapper.appendChild(
        element(
          "button",
          { class: "ln", type: "button", "aria-expanded": "false", "aria-controls": "dp", click: hooks.launcher_ },
          icon("chat"),
        ),
      );
    }
  }
  paintShell(wrapper, config, isInline);
  if (launcher) {
    launcher.setAttribute("aria-label", labels.open);
    launcher.setAttribute("aria-busy", !translations);
  }
  if (!translations) return;
  root = wrapper.parentNode;
  if (isInline) buildPanel();
  else {
    try {
      if (sessionStorage.getItem(storageKey)) openPanel(1);
    } catch (_) {}
  }
  ready();
}

// The settings could not be had: the widget leaves the page.
export function unmount() {
  if (wrapper) wrapper.parentNode.host.remove();
}

export function openPanel(quiet) {
  if (isInline || isOpen) return input && input.focus();
  buildPanel();
  show(1);
  if (!quiet) input.focus();
}

export function closePanel() {
  if (isInline || !isOpen) return;
  const hadFocus = root.activeElement;
  show(0);
  if (hadFocus) launcher.focus();
}

// Built once, when the panel is first opened (at once inline), with the server's transcript.
function buildPanel() {
  if (panel) return;
  const avatar = safeUrl(config.avatar_url || "");
  const title = config.title || config.bot_name || "Chat";
  panel = wrapper.appendChild(
    element("div", { id: "dp", class: "p", role: isInline ? "region" : "dialog", "aria-label": title, hidden: !isInline }, [
      element("div", { class: "hd" }, [
        /^https?:/.test(avatar) ? element("img", { src: avatar, alt: "", referrerpolicy: "no-referrer" }) : null,
        element("h2", 0, title),
        iconButton(labels.reset, "add", hooks.reset),
        isInline ? null : iconButton(labels.close, "close", closePanel),
      ]),
      (log = element("div", { class: "lg" })),
      (handoffBar = element("div", { class: "hb" })),
      (liveRegion = element("div", { class: "r", "aria-live": "polite" })),
      element(
        "form",
        {
          class: "f",
          submit: (event) => {
            event.preventDefault();
            busy ? busy.abort() : submitInput();
          },
        },
        [
          (input = element("textarea", {
            rows: 1, maxlength: config.message_max, placeholder: config.placeholder || labels.ask, "aria-label": labels.input,
            keydown: (event) => {
              if (event.key == "Enter" && !event.shiftKey && !event.isComposing) {
                event.preventDefault();
                if (!busy) submitInput();
              }
            },
          })),
          (submitButton = sendButton()),
        ],
      ),
    ]),
  );
  redraw();
  hooks.sync_();
}

function submitInput() {
  const text = input.value;
  if (!text.trim()) return;
  input.value = "";
  hooks.send(text);
}

function show(open) {
  isOpen = open;
  panel.hidden = !open;
  launcher.setAttribute("aria-expanded", !!open);
  launcher.setAttribute("aria-label", open ? labels.close : labels.open);
  launcher.replaceChildren(icon(open ? "close" : "chat"));
  try {
    sessionStorage.setItem(storageKey, open ? 1 : "");
  } catch (_) {}
  emit(open ? "open" : "close");
}

// While an answer streams (stream: its AbortController, or 0) the send button is Stop.
export function setBusy(stream) {
  busy = stream;
  submitButton.setAttribute("aria-label", stream ? labels.stop : labels.send);
  submitButton.replaceChildren(icon(stream ? "stop" : "send"));
}

// Said once by screen readers, through the polite live region.
export function announce(text) {
  liveRegion.textContent = "";
  setTimeout(() => {
    liveRegion.textContent = text;
  }, 50);
}

// The whole conversation: welcome, starter questions until the first message, messages.
export function redraw() {
  log.textContent = "";
  if (config.welcome_message) log.append(drawMessage({ role: "assistant", text: String(config.welcome_message) }));
  if (!transcript.messages_.length && config.starters_.length) {
    log.append(
      element(
        "div",
        { class: "q" },
        config.starters_.map((question) => textButton(question, () => hooks.send(question))),
      ),
    );
  }
  transcript.messages_.forEach((message) => log.append(drawMessage(message)));
  log.scrollTop = log.scrollHeight;
  showHandoffBar();
}

// Run a redraw, keeping the log at its end if the visitor was there.
export function keepFollowing(draw) {
  // Within this many pixels of the end, the log follows new text.
  const FOLLOW_DISTANCE = 80;
  const following = log.scrollHeight - log.scrollTop - log.clientHeight < FOLLOW_DISTANCE;
  draw();
  if (following) log.scrollTop = log.scrollHeight;
}

// "Talk to a person" (always, or once an answer went unanswered) and the lead form.
export function showHandoffBar() {
  const offerHandoff =
    config.handoff == "always" ||
    (config.handoff == "unanswered" && transcript.messages_.some((message) => message.answered_ === false));
  handoffBar.replaceChildren();
  [offerHandoff && "handoff", config.lead_form && "lead"].forEach((kind) => {
    if (kind) handoffBar.append(textButton(labels[kind], () => openLeadForm(kind, log)));
  });
  handoffBar.hidden = !handoffBar.firstChild;
}

hooks.announce_ = announce;
