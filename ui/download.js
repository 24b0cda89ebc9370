// A download button whose file leaves the server once: a click asks the server for a one-use
// ticket (core checks the session and the role then), and the browser fetches /download/<ticket>
// at once. Nothing is kept in Streamlit's media store, so no address serves the file afterwards.

const fetched = new Set(); // tickets already fetched: a remount never fetches one twice

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  let button = parentElement.querySelector("button.ts-download");
  if (!button) {
    button = document.createElement("button");
    button.type = "button";
    button.className = "ts-download";
    button.addEventListener("click", () => setTriggerValue("click", Date.now()));
    parentElement.appendChild(button);
  }
  button.textContent = data.label;
  button.title = data.help || "";
  if (data.url && !fetched.has(data.url)) {
    fetched.add(data.url);
    const link = document.createElement("a");
    link.href = data.url;
    link.download = data.fileName;
    document.body.appendChild(link);
    link.click();
    link.remove();
  }
}
