// The sandbox phone: send texts to the program and poll the thread so replies appear.
// Everything from the server goes into the page with textContent, never innerHTML.
(() => {
  "use strict";

  const root = document.getElementById("phone");
  const number = root.dataset.number;
  const threadEl = document.getElementById("thread");
  const emptyEl = document.getElementById("empty");
  const errorEl = document.getElementById("error");
  const form = document.getElementById("compose");
  const bodyEl = document.getElementById("body");
  const mediaEl = document.getElementById("media");
  const sendEl = document.getElementById("send");
  const POLL_MS = 1000;
  let lastRendered = "";

  function showError(text) {
    errorEl.textContent = text || "";
    errorEl.hidden = !text;
  }

  function statusText(m) {
    if (m.direction === "inbound") {
      if (m.gateway_status === null) return "Not delivered: program unreachable";
      if (m.gateway_status >= 300) return "Not delivered: program answered " + m.gateway_status;
      return "Sent";
    }
    const label = m.status.charAt(0).toUpperCase() + m.status.slice(1);
    return m.error_code ? label + " (error " + m.error_code + ")" : label;
  }

  function isProblem(m) {
    if (m.direction === "inbound") return m.gateway_status === null || m.gateway_status >= 300;
    return m.status === "undelivered" || m.status === "failed";
  }

  function timeText(iso) {
    const when = new Date(iso);
    return when.toLocaleTimeString([], { hour: "numeric", minute: "2-digit" });
  }

  function messageItem(m) {
    const li = document.createElement("li");
    li.className = "msg " + (m.direction === "inbound" ? "mine" : "theirs");
    if (isProblem(m)) li.classList.add("problem");
    const bubble = document.createElement("div");
    bubble.className = "bubble";
    if (m.num_media > 0) {
      const pic = document.createElement("div");
      pic.className = "picture";
      pic.textContent = "[picture]";
      bubble.appendChild(pic);
    }
    bubble.appendChild(document.createTextNode(m.body));
    const meta = document.createElement("div");
    meta.className = "meta";
    meta.textContent = timeText(m.created_at) + " · " + statusText(m);
    li.append(bubble, meta);
    return li;
  }

  function render(messages) {
    const key = JSON.stringify(messages);
    if (key === lastRendered) return;
    lastRendered = key;
    const nearBottom = threadEl.scrollHeight - threadEl.scrollTop - threadEl.clientHeight < 80;
    threadEl.replaceChildren(...messages.map(messageItem));
    emptyEl.hidden = messages.length > 0;
    if (nearBottom) threadEl.scrollTop = threadEl.scrollHeight;
  }

  async function refresh() {
    try {
      // The number travels in a header so polls don't put it into access logs.
      const response = await fetch(root.dataset.threadUrl, {
        headers: { "X-Sandbox-Number": number, Accept: "application/json" },
        cache: "no-store",
      });
      if (response.ok) render((await response.json()).messages);
    } catch (err) {
      // The server restarting is normal in a demo; the next poll tries again.
    }
  }

  async function poll() {
    await refresh();
    setTimeout(poll, POLL_MS);
  }

  async function send(event) {
    event.preventDefault();
    const body = bodyEl.value;
    const media = mediaEl.checked;
    if (!body.trim() && !media) return;
    sendEl.disabled = true;
    showError("");
    try {
      const response = await fetch(root.dataset.sendUrl, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          "X-Sandbox-Token": root.dataset.token,
        },
        body: JSON.stringify({ number: number, body: body, media: media }),
      });
      const result = await response.json().catch(() => ({}));
      if (!response.ok) {
        showError("Sandbox refused the text: " + (result.error || response.status));
        return;
      }
      bodyEl.value = "";
      mediaEl.checked = false;
      if (!result.ok) {
        showError(result.gateway_status === null
          ? "The program could not be reached (" + (result.error || "no answer") + ")."
          : "The program answered HTTP " + result.gateway_status + ".");
      }
    } catch (err) {
      showError("Sandbox unreachable.");
    } finally {
      sendEl.disabled = false;
      bodyEl.focus();
      refresh();
    }
  }

  bodyEl.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) form.requestSubmit();
  });
  form.addEventListener("submit", send);
  poll();
})();
