// What the launcher, the panel and the page can ask of the widget: the actions (open,
// close, toggle, send, reset), the API object window.Docent calls (calls made before
// the settings have loaded wait in a queue) and its events (on and emit).
import { ask, startOver, transcript } from "./conversation.js";
import { guard, warn } from "./guard.js";
import { busy, closePanel, input, isOpen, log, openPanel, redraw, root } from "./view.js";

export const API_METHODS = ["open", "close", "toggle", "send", "reset"];
export const MESSAGE_LIMIT = 4000;
const handlers = {}, queued = [];

export const actions = {
  open: openPanel,
  close: closePanel,
  toggle() {
    actions[isOpen ? "close" : "open"]();
  },
  send(text) {
    actions.open();
    text = String(text == null ? "" : text).trim().slice(0, MESSAGE_LIMIT);
    if (!text || busy) return;
    transcript.messages_.push({ role: "user", text });
    redraw();
    emit("send", { text });
    ask(text);
  },
  reset() {
    startOver();
    if (log) redraw();
    if (input) input.focus();
    emit("reset");
  },
};

// This widget's methods, as window.Docent.widgets holds them.
export const api = {};
API_METHODS.forEach((name) => {
  api[name] = guard((argument) => {
    argument = name == "send" ? argument : 0;
    if (!root) queued.push([name, argument]);
    else actions[name](argument);
  });
});
api.on = guard((event, handler) => {
  (handlers[event] = handlers[event] || []).push(handler);
  return () => {
    handlers[event] = handlers[event].filter((other) => other != handler);
  };
});

export function emit(event, detail) {
  (handlers[event] || []).forEach((handler) => {
    try {
      handler(detail);
    } catch (error) {
      warn("a handler for '" + event + "' threw", error);
    }
  });
}

// Once the view is mounted: the calls that waited, then "ready".
export function ready() {
  queued.forEach((call) => actions[call[0]](call[1]));
  emit("ready");
}
