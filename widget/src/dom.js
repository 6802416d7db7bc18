// Building DOM nodes with calls, never from HTML strings (so the widget runs under
// Trusted Types and a strict Content Security Policy).
import { guard } from "./guard.js";

const SVG_NS = "http://www.w3.org/2000/svg";
const ICON_PATHS = {
  chat: "M21 15a2 2 0 0 1-2 2H7l-4 4V5a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2z",
  close: "M18 6 6 18M6 6l12 12",
  send: "M22 2 11 13M22 2l-7 20-4-9-9-4z",
  stop: "M7 7h10v10H7z",
  copy: "M9 9h11v11H9zM5 15H4V4h11v1",
  thumb: "M7 22H4V11h3m0 11V11l4-9a3 3 0 0 1 3 3v4h5.7a2 2 0 0 1 2 2.3l-1.4 9a2 2 0 0 1-2 1.7z",
  add: "M12 5v14M5 12h14",
};

// An element with attributes, event listeners (function values, guarded) and children;
// null and false attributes and null children are skipped.
export function element(tag, attributes, children) {
  const node = document.createElement(tag);
  for (const name in attributes) {
    const value = attributes[name];
    if (value == null || value === false) continue;
    if (typeof value == "function") node.addEventListener(name, guard(value));
    else node.setAttribute(name, value);
  }
  [].concat(children).forEach((child) => {
    if (child != null) node.append(child);
  });
  return node;
}

export function icon(name) {
  const svg = document.createElementNS(SVG_NS, "svg");
  const path = document.createElementNS(SVG_NS, "path");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  path.setAttribute("d", ICON_PATHS[name]);
  svg.append(path);
  return svg;
}

// A button with a text label.
export function textButton(label, onClick) {
  return element("button", { type: "button", click: onClick }, label);
}

// A button showing only an icon, named by its label for assistive technology.
export function iconButton(label, iconName, onClick, className) {
  return element(
    "button",
    { type: "button", class: className, "aria-label": label, title: label, click: onClick },
    icon(iconName),
  );
}
