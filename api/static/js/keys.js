// The API key prompt: shown when the API answers 401 (RAG_API_KEYS is set), once for any
// number of refused requests; the key is kept in localStorage and sent from then on.

import { ApiError, onUnauthorized, storeKey, storedKey } from "./api.js";
import { $ } from "./dom.js";

function showKeyButton() {
  $("#open-key").hidden = !storedKey();
}

/** Ask for a key; resolves once one is stored, rejects if the dialog is dismissed. */
function prompt(refusedKey) {
  const dialog = $("#key-dialog");
  const input = $("#key-input");
  $("#key-message").textContent = refusedKey
    ? "That key was not accepted. Enter a valid API key."
    : "This server needs an API key (one of RAG_API_KEYS).";
  input.value = "";
  return new Promise((resolve, reject) => {
    const done = () => {
      dialog.removeEventListener("close", done);
      if (dialog.returnValue === "ok") resolve(); // the submit handler stored the key
      else reject(new ApiError("An API key is needed: reload the page to enter one.", 401));
    };
    dialog.addEventListener("close", done);
    dialog.returnValue = "";
    if (!dialog.open) dialog.showModal();
    input.focus();
  });
}

export function initKeys() {
  onUnauthorized(prompt);
  showKeyButton();
  $("#key-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const key = $("#key-input").value.trim();
    if (!key) return;
    storeKey(key);
    showKeyButton();
    $("#key-dialog").close("ok");
  });
  $("#forget-key").addEventListener("click", () => {
    storeKey("");
    showKeyButton();
    $("#key-dialog").close("");
  });
  $("#open-key").addEventListener("click", () => {
    $("#key-message").textContent = "Change the API key this browser sends.";
    $("#key-input").value = "";
    $("#key-dialog").returnValue = "";
    $("#key-dialog").showModal();
  });
}
