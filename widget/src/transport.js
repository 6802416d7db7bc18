// Talking to the Docent server: JSON requests with the public key, and answers
// streamed as NDJSON.

// Requests carry the key and, by fetch's default credentials mode ("same-origin"),
// cookies only to the page's own origin: the dashboard preview proves its owner and
// no host site's cookies are sent. A refused request rejects with an Error carrying
// the server's message, its status_ and, for 429, the Retry-After seconds (retryAfter_).
export function createClient(base, key) {
  return function request(path, body, signal) {
    const headers = { Authorization: "Bearer " + key };
    if (body) headers["Content-Type"] = "application/json";
    return fetch(base + path, {
      method: body ? "POST" : "GET",
      headers,
      body: body && JSON.stringify(body),
      signal,
    }).then((response) => {
      if (response.ok) return response;
      return response
        .json()
        .catch(Object)
        .then((json) => {
          const error = new Error((json && json.error && json.error.message) || "HTTP " + response.status);
          error.status_ = response.status;
          error.retryAfter_ = parseInt(response.headers.get("Retry-After"), 10);
          throw error;
        });
    });
  };
}

// Read a response body as NDJSON, calling onEvent with each parsed line; resolves
// when the body ends.
export function readEvents(response, onEvent) {
  const reader = response.body.getReader(), decoder = new TextDecoder();
  let buffer = "";
  function pump() {
    return reader.read().then((chunk) => {
      buffer += decoder.decode(chunk.value || new Uint8Array(), { stream: !chunk.done });
      const lines = buffer.split("\n");
      buffer = chunk.done ? "" : lines.pop();
      lines.forEach((line) => {
        if (line.trim()) onEvent(JSON.parse(line));
      });
      if (!chunk.done) return pump();
    });
  }
  return pump();
}
