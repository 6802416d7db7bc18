// Nothing the widget does may throw into the host page: problems go to the console
// with a "[docent]" prefix, and every handler the widget installs is guarded.

export function warn(text, error) {
  try {
    console.warn("[docent] " + text, error || "");
  } catch (_) {}
}

// Wrap a function so nothing it throws reaches the host page.
export function guard(fn) {
  return function () {
    try {
      return fn.apply(this, arguments);
    } catch (error) {
      warn("error", error);
    }
  };
}
