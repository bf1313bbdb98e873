// The peer console's only script: live refresh over Server-Sent Events, a character and
// segment counter for texts, quick replies, and a guard against double-submitted forms.
// No framework and no CDN: the page works without this file; it just gets nicer with it.
(function () {
  "use strict";

  var GSM7 = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  var GSM7_EXT = "^{}\\[~]|€\f";

  // Mirrors messaging/segments.py: GSM-7 160 (153 per part), else UCS-2 70 (67).
  function segmentCount(text) {
    var gsm = true, units = 0, i, c;
    for (i = 0; i < text.length; i++) {
      c = text.charAt(i);
      if (GSM7.indexOf(c) >= 0) { units += 1; }
      else if (GSM7_EXT.indexOf(c) >= 0) { units += 2; }
      else { gsm = false; break; }
    }
    if (!gsm) { units = text.length; }  // UTF-16 code units, as carriers count them
    var single = gsm ? 160 : 70, multi = gsm ? 153 : 67;
    var segments = units === 0 ? 0 : (units <= single ? 1 : Math.ceil(units / multi));
    return { encoding: gsm ? "GSM-7" : "UCS-2", units: units, segments: segments };
  }

  function setUpCounter() {
    var box = document.getElementById("reply-body");
    var out = document.getElementById("reply-count");
    if (!box || !out) { return; }
    var max = parseInt(box.getAttribute("data-max-segments"), 10) || 3;
    function update() {
      var info = segmentCount(box.value.trim());
      var over = info.segments > max;
      out.textContent = info.units + " characters · " + info.segments + " of " + max +
        " texts" + (info.encoding === "UCS-2" ? " (special characters make texts shorter)" : "") +
        (over ? " · too long to send" : "");
      out.className = "counter muted" + (over ? " over" : "");
    }
    box.addEventListener("input", update);
    document.querySelectorAll("[data-quick]").forEach(function (button) {
      button.addEventListener("click", function () {
        var text = button.getAttribute("data-quick");
        box.value = box.value.trim() ? box.value.trim() + " " + text : text;
        update();
        box.focus();
      });
    });
    update();
  }

  // A second tap while the first post is on its way does nothing.
  function setUpOnce() {
    document.querySelectorAll("form[data-once]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (form.getAttribute("data-sent")) { event.preventDefault(); return; }
        form.setAttribute("data-sent", "1");
        form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
      });
    });
  }

  // The newest text is at the bottom of the conversation: show it.
  function scrollThread() {
    var list = document.querySelector(".thread");
    if (list) { list.scrollTop = list.scrollHeight; }
  }

  function setUpLive() {
    var body = document.body;
    var url = body.getAttribute("data-refresh");
    var target = document.getElementById(body.getAttribute("data-target") || "");
    if (!url || !target || !window.EventSource) { return; }
    var pending = false, again = false;
    function refresh() {
      // A change announced while a refresh is in flight is fetched right after it, so a
      // case that arrives at that moment is never missed until the next event.
      if (pending) { again = true; return; }
      pending = true;
      again = false;
      fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (r) {
          if (r.status === 401) { window.location.href = "/console/login"; return null; }
          return r.ok ? r.text() : null;
        })
        .then(function (html) {
          if (html !== null) { target.innerHTML = html; scrollThread(); }
        })
        .catch(function () { /* offline for a moment: the next event refreshes */ })
        .then(function () {
          pending = false;
          if (again) { refresh(); }
        });
    }
    var source = new EventSource("/console/events");
    source.addEventListener("ready", function () {
      body.setAttribute("data-live", "on");
      refresh();  // anything that changed while we were connecting
    });
    source.addEventListener("queue", refresh);
    source.addEventListener("error", function () { body.setAttribute("data-live", "off"); });
  }

  // A CSV import running in the background: show its progress until it is done.
  function setUpProgress() {
    var box = document.querySelector("[data-progress-url]");
    if (!box || box.getAttribute("data-status") !== "importing") { return; }
    var url = box.getAttribute("data-progress-url");
    var bar = box.querySelector("progress");
    function poll() {
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (p) {
          if (!p) { return; }
          bar.max = p.total || 1;
          bar.value = p.processed;
          ["processed", "enrolled", "skipped", "status"].forEach(function (name) {
            var field = box.querySelector("[data-field=" + name + "]");
            if (field) { field.textContent = p[name]; }
          });
          if (p.status === "importing") { window.setTimeout(poll, 500); }
          else { box.setAttribute("data-status", p.status); }
        })
        .catch(function () { window.setTimeout(poll, 2000); });
    }
    poll();
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpProgress();
    scrollThread();
    setUpCounter();
    setUpOnce();
    setUpLive();
  });
})();
