// Talking to the API: JSON requests, SSE streams over POST, the API key and readable errors.
//
// Every request carries `Authorization: Bearer <key>` once a key is stored. A 401 asks the
// page for a key (one prompt, however many requests were refused at once) and retries.

const KEY_STORAGE = "newsrag.apiKey";

export class ApiError extends Error {
  /** `body`: the error's JSON ({detail, request_id, …}), when the server sent one. */
  constructor(message, status = 0, body = null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.body = body;
  }
}

export function storedKey() {
  try {
    return localStorage.getItem(KEY_STORAGE) || "";
  } catch {
    return ""; // storage disabled: the key lives only as long as the prompt's answer
  }
}

export function storeKey(key) {
  try {
    if (key) localStorage.setItem(KEY_STORAGE, key);
    else localStorage.removeItem(KEY_STORAGE);
  } catch {
    /* storage disabled: nothing to keep */
  }
}

let askForKey = null; // (refusedKey: string) => Promise<void>, set by the page
let pendingPrompt = null;

/** Who to ask for a key when the API answers 401. */
export function onUnauthorized(handler) {
  askForKey = handler;
}

function headers(json) {
  const out = json ? { "Content-Type": "application/json" } : {};
  const key = storedKey();
  if (key) out.Authorization = `Bearer ${key}`;
  return out;
}

const UNREACHABLE = "Can't reach the server. Check that `rag serve` is running, then try again.";

/** fetch, retried after a key prompt on 401; network failures become an ApiError. */
async function send(method, path, { json, body, signal } = {}) {
  for (;;) {
    const sentKey = storedKey();
    let response;
    try {
      response = await fetch(path, {
        method,
        headers: headers(json !== undefined),
        body: json !== undefined ? JSON.stringify(json) : body,
        signal,
      });
    } catch (err) {
      if (err.name === "AbortError") throw err;
      throw new ApiError(UNREACHABLE, 0);
    }
    if (response.status !== 401 || !askForKey) return response;
    pendingPrompt ??= askForKey(sentKey).finally(() => {
      pendingPrompt = null;
    });
    await pendingPrompt;
  }
}

/** The readable message of an error response ({detail} as a string or a validation list). */
export async function errorOf(response) {
  let detail = "";
  let body = null;
  try {
    body = await response.json();
    detail = body.detail;
  } catch {
    detail = response.statusText;
  }
  if (Array.isArray(detail)) {
    detail = detail.map((e) => `${(e.loc ?? []).slice(1).join(".")}: ${e.msg}`).join("; ");
  }
  const text = String(detail || `HTTP ${response.status}`);
  const prefix = {
    413: "Too large: ",
    502: "The language model failed: ",
    503: "The index is unavailable: ",
  }[response.status];
  return new ApiError(prefix ? prefix + text : text, response.status, body);
}

/** A JSON request; resolves to the decoded body (null for 204), rejects with an ApiError. */
export async function api(method, path, options = {}) {
  const response = await send(method, path, options);
  if (!response.ok) throw await errorOf(response);
  if (response.status === 204) return null;
  try {
    return await response.json();
  } catch {
    throw new ApiError("The server sent an answer the page could not read.", response.status);
  }
}

/** POST `json` with stream: true and call onEvent(name, data) for each Server-Sent Event. */
export async function stream(path, json, onEvent, signal) {
  const response = await send("POST", path, { json: { ...json, stream: true }, signal });
  if (!response.ok) throw await errorOf(response);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    let chunk;
    try {
      chunk = await reader.read();
    } catch (err) {
      if (err.name === "AbortError") throw err;
      throw new ApiError("The connection dropped before the answer was complete.", 0);
    }
    if (chunk.done) break;
    buffer += chunk.value;
    let end;
    while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, "");
      const event = parseEvent(block);
      if (!event) continue;
      try {
        onEvent(event.name, event.data);
      } catch (err) {
        reader.cancel().catch(() => {}); // the caller gave up on this stream: stop reading it
        throw err;
      }
    }
  }
}

function parseEvent(block) {
  let name = "message";
  const data = [];
  for (const line of block.split(/\r?\n/)) {
    if (line.startsWith("event:")) name = line.slice(6).trim();
    else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
  }
  if (!data.length) return null;
  try {
    return { name, data: JSON.parse(data.join("\n")) };
  } catch {
    return { name, data: data.join("\n") };
  }
}

/** Upload one file as multipart (POST, or PUT to replace), reporting progress (0..1) while
 * the bytes go up. */
export function upload(path, file, fields, onProgress, method = "POST") {
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const xhr = new XMLHttpRequest();
      const sentKey = storedKey();
      xhr.open(method, path);
      if (sentKey) xhr.setRequestHeader("Authorization", `Bearer ${sentKey}`);
      xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
      xhr.upload.onload = () => onProgress(1);
      xhr.onerror = () => reject(new ApiError(UNREACHABLE, 0));
      xhr.onload = async () => {
        const response = new Response(xhr.responseText || null, {
          status: xhr.status,
          statusText: xhr.statusText,
        });
        if (xhr.status === 401 && askForKey) {
          pendingPrompt ??= askForKey(sentKey).finally(() => {
            pendingPrompt = null;
          });
          await pendingPrompt;
          attempt();
        } else if (response.ok) resolve(await response.json());
        else reject(await errorOf(response));
      };
      const form = new FormData();
      form.append("file", file, file.name);
      for (const [k, v] of Object.entries(fields)) if (v) form.append(k, v);
      xhr.send(form);
    };
    attempt();
  });
}
