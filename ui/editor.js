// The draft editor: a text area that saves while the clinician types.
//
// Streamlit's own text area sends its value only when it loses focus, so a reload after typing
// lost the text. This one sends a "save" event 1 s after the last keystroke (and at once when it
// loses focus or the tab is hidden), shows an honest status, and warns before the page is left
// while anything typed is not yet saved. The server decides what the text is only when it
// replaces the document on purpose (a new `doc`: load, Undo, Redo, Update, "load the latest");
// otherwise what is typed here stays, across reruns and remounts.

const PAUSE_MS = 1000;
const windows = new Map(); // per editor key: what is typed, what the server has acknowledged
const dirty = new Set();

if (!window.__tsDraftEditorGuard) {
  window.__tsDraftEditorGuard = true;
  window.addEventListener("beforeunload", (event) => {
    if (dirty.size) {
      event.preventDefault();
      event.returnValue = ""; // the browser shows its own "leave site?" question
    }
  });
}

function status(w) {
  const area = w.area;
  const typed = area.value !== w.saved;
  let text = w.data.status;
  let kind = w.data.error ? "error" : "ok";
  if (w.data.blocked) {
    kind = "error";
  } else if (typed) {
    text = w.inflight ? "Saving…" : "Unsaved changes";
    kind = "pending";
  }
  w.status.textContent = text;
  w.status.dataset.kind = kind;
  if (typed || w.data.blocked) dirty.add(w.key);
  else dirty.delete(w.key);
}

function send(w) {
  clearTimeout(w.timer);
  w.timer = null;
  if (w.area.disabled || w.area.value === w.lastSent) return;
  w.seq += 1;
  w.lastSent = w.area.value;
  w.inflight = true;
  status(w);
  w.setTriggerValue("save", { text: w.area.value, seq: w.seq, doc: w.data.doc });
}

function build(parent, w) {
  const box = document.createElement("div");
  box.className = "ts-editor";
  const label = document.createElement("label");
  label.htmlFor = `ts-editor-${w.key}`;
  const area = document.createElement("textarea");
  area.id = label.htmlFor;
  area.spellcheck = true;
  const line = document.createElement("div");
  line.className = "ts-editor-status";
  line.setAttribute("role", "status");
  line.setAttribute("aria-live", "polite");
  box.append(label, area, line);
  parent.appendChild(box);
  area.addEventListener("input", () => {
    status(w);
    clearTimeout(w.timer);
    w.timer = setTimeout(() => send(w), PAUSE_MS);
  });
  area.addEventListener("blur", () => send(w));
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") send(w);
  });
  Object.assign(w, { box, label, area, status: line });
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  let w = windows.get(data.key);
  if (!w) {
    w = { key: data.key, doc: null, saved: "", lastSent: null, seq: 0, inflight: false, timer: null };
    windows.set(data.key, w);
  }
  w.data = data;
  w.setTriggerValue = setTriggerValue;
  if (!w.box || !parentElement.contains(w.box)) {
    const typed = w.area ? w.area.value : null; // a remount keeps what was typed
    build(parentElement, w);
    if (typed !== null && w.doc === data.doc) w.area.value = typed;
  }
  w.label.textContent = data.label;
  w.area.disabled = Boolean(data.disabled);
  w.area.style.height = `${data.height}px`;
  if (w.doc !== data.doc) {
    // The server replaced the document on purpose: show its text.
    clearTimeout(w.timer);
    Object.assign(w, { doc: data.doc, saved: data.text, lastSent: data.text, inflight: false, timer: null });
    w.area.value = data.text;
  } else if (data.acked >= w.seq && w.inflight) {
    // The server has handled everything sent; what it holds for this window is data.text.
    w.inflight = false;
    w.saved = data.text;
  }
  status(w);
}
