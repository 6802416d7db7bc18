// The conversation: one answer streamed at a time, Retry, starting over, and the
// server's transcript, fetched once when the visitor first looks (the server's is the
// truth). The transcript itself is state.js's, kept in the browser by persistence.js.
import { guard } from "./guard.js";
import { drawMessage, fillBubble } from "./messages.js";
import { emit, hooks, labels, newSession, request, save, transcript } from "./state.js";
import { readEvents } from "./transport.js";
import { announce, busy, keepFollowing, log, redraw, setBusy, showHandoffBar } from "./view.js";

let synced, paintFrame;

// A new session: the answer streaming now, if any, stops.
export function startOver() {
  if (busy) busy.abort();
  newSession();
  synced = 1;
}

// Stream one answer over NDJSON; every path ends in a drawn answer or a drawn error.
export function ask(text) {
  const message = { role: "assistant", text: "", sources: [], streaming_: 1 };
  const stream = new AbortController();
  let ended = 0;
  transcript.messages_.push(message);
  log.append(drawMessage(message));
  log.scrollTop = log.scrollHeight;
  setBusy(stream);
  save();
  function handle(event) {
    if (event.type == "start") message.id = event.message_id;
    else if (event.type == "delta") {
      message.text += event.content || "";
      // Redraw the streaming answer at most once a frame.
      paintFrame =
        paintFrame ||
        requestAnimationFrame(() => {
          paintFrame = 0;
          keepFollowing(() => fillBubble(message));
        });
    } else if (event.type == "sources") message.sources = event.sources || [];
    else if (event.type == "end") {
      ended = 1;
      message.answered_ = event.answered;
    } else if (event.type == "error") {
      ended = 1;
      message.error_ = (event.error && event.error.message) || labels.error;
    }
  }
  request("/v1/chat/stream", { sessionId: transcript.sessionId_, message: text }, stream.signal)
    .then((response) => readEvents(response, handle))
    .then(() => {
      if (!ended) throw new Error(labels.network);
    })
    .catch((error) => {
      if (stream.signal.aborted) message.status_ = "interrupted";
      else if (error.status_ == 429) message.error_ = labels.rate.replace("{s}", error.retryAfter_ > 0 ? error.retryAfter_ : 60);
      else message.error_ = error.status_ ? error.message : labels.network;
    })
    .then(
      guard(() => {
        if (paintFrame) cancelAnimationFrame(paintFrame);
        paintFrame = 0;
        message.streaming_ = 0;
        if (busy == stream) setBusy(0);
        if (transcript.messages_.indexOf(message) < 0) return;
        keepFollowing(() => drawMessage(message));
        save();
        announce(message.error_ || (message.bubble_ && message.bubble_.textContent) || labels.stopped);
        showHandoffBar();
        emit(
          message.error_ ? "error" : "answer",
          message.error_ ? { message: message.error_ } : { message_id: message.id, text: message.text, sources: message.sources },
        );
      }),
    );
}

// Retry: the failed answer goes, and the question before it is asked again.
function retry(message) {
  if (busy) return;
  const messages = transcript.messages_, index = messages.indexOf(message), previous = messages[index - 1];
  messages.splice(index, 1);
  redraw();
  if (previous && previous.role == "user") ask(previous.text);
}

// The server's transcript replaces the browser's, once, unless an answer is streaming
// or the visitor started over meanwhile; a session the server no longer has is emptied.
function sync() {
  if (synced) return;
  synced = 1;
  if (!transcript.messages_.length) return;
  const sessionId = transcript.sessionId_;
  request("/v1/sessions/" + encodeURIComponent(sessionId) + "/messages")
    .then((response) => response.json())
    .then(
      guard((json) => {
        if (busy || sessionId != transcript.sessionId_) return;
        transcript.messages_ = json.messages.map((stored) => ({
          id: stored.message_id,
          role: stored.role,
          text: stored.content || "",
          sources: stored.sources,
          status_: stored.status,
          feedback_: stored.feedback && stored.feedback.rating,
          answered_: stored.answered,
          error_: stored.status == "failed" ? labels.error : "",
        }));
        save();
        redraw();
      }),
      (error) => {
        if (error.status_ == 404 && !busy && sessionId == transcript.sessionId_) {
          transcript.messages_ = [];
          save();
          redraw();
        }
      },
    );
}

hooks.retry_ = retry;
hooks.sync_ = sync;
