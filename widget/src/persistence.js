// The transcript the widget keeps in the visitor's browser, per key and target (the
// storage key): the session id and the last 100 messages, in localStorage. (Whether
// the panel was open is kept in sessionStorage under the same key, by view.js.) The
// bot's settings last received are kept under "docent:<key>" (widget.js), so the next
// page draws its launcher with them at once. Storage can be full or forbidden; the
// widget then simply forgets.
//
// A transcript is stored under the short names it has always had, whatever the build:
// build.mjs pins sessionId_, messages_ and the message fields status_, feedback_,
// answered_ and error_, and gives the fields only drawing needs (node_, bubble_,
// streaming_) names starting with "_", which are never stored.

export function newSessionId() {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) => (byte | 256).toString(16).slice(1)).join("");
}

// A new session's transcript.
export function newTranscript() {
  return { sessionId_: newSessionId(), messages_: [] };
}

// A JSON value kept under `name`: undefined when absent, unreadable or forbidden.
export function stored(name) {
  try {
    return JSON.parse(localStorage.getItem(name));
  } catch (_) {}
}

export function store(name, value, replacer) {
  try {
    localStorage.setItem(name, JSON.stringify(value, replacer));
  } catch (_) {}
}

export function loadTranscript(storageKey) {
  const transcript = stored(storageKey);
  if (transcript && /^[\w.:-]{1,128}$/.test(transcript.sessionId_) && Array.isArray(transcript.messages_)) {
    transcript.messages_ = transcript.messages_.filter((message) => message && typeof message.text == "string");
    return transcript;
  }
  return newTranscript();
}

export function saveTranscript(storageKey, transcript) {
  store(
    storageKey,
    { sessionId_: transcript.sessionId_, messages_: transcript.messages_.slice(-100) },
    (name, value) => (name[0] == "_" ? undefined : value),
  );
}
