// Small progressive enhancements; every page works without them.
(function () {
  "use strict";

  // Show each <time data-local> also in the visitor's own time zone.
  function showLocalTimes(root) {
    var formatter;
    try {
      formatter = new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
        // dateStyle/timeStyle cannot be combined with timeZoneName: spell the parts out.
        year: "numeric", month: "short", day: "numeric",
        hour: "2-digit", minute: "2-digit", timeZoneName: "short"
      });
    } catch (e) { return; }
    root.querySelectorAll("time[data-local]").forEach(function (el) {
      if (el.dataset.localDone) { return; }
      var when = new Date(el.getAttribute("datetime"));
      if (isNaN(when)) { return; }
      // Korea has no daylight saving time: a visitor whose clock is at UTC+9 at that moment
      // would see the same time twice.
      if (when.getTimezoneOffset() === -540) { el.dataset.localDone = "1"; return; }
      var span = document.createElement("span");
      span.className = "local-time";
      span.textContent = " (" + (el.dataset.localLabel || "") + formatter.format(when) + ")";
      el.after(span);
      el.dataset.localDone = "1";
    });
    // Remember the visitor's zone so the server can render it for anonymous visitors too.
    try {
      var tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
      if (tz) { document.cookie = "kcity_tz=" + encodeURIComponent(tz) + ";path=/;SameSite=Lax"; }
    } catch (e) { /* no zone support */ }
  }

  // Buttons with data-confirm ask before submitting their form.
  function bindConfirms(root) {
    root.querySelectorAll("[data-confirm]").forEach(function (el) {
      if (el.dataset.confirmBound) { return; }
      el.dataset.confirmBound = "1";
      el.addEventListener("click", function (event) {
        if (!window.confirm(el.dataset.confirm)) { event.preventDefault(); }
      });
    });
  }

  // Elements with data-autosubmit submit their form when changed (filters, selects).
  function bindAutosubmit(root) {
    root.querySelectorAll("[data-autosubmit]").forEach(function (el) {
      if (el.dataset.autosubmitBound) { return; }
      el.dataset.autosubmitBound = "1";
      el.addEventListener("change", function () { if (el.form) { el.form.requestSubmit(); } });
    });
  }

  // A form sent back with errors: move the focus to its error summary, so keyboard and screen
  // reader users start from the list of what to correct (each entry links to its field).
  function focusErrorSummary(root) {
    var summary = root.querySelector(".error-summary[tabindex]");
    if (summary) { summary.focus(); }
  }

  // A table wider than its box scrolls sideways inside it: keyboard users must be able to reach
  // that scroll, so the box becomes a named, focusable region while (and only while) it scrolls.
  function makeScrollingTablesFocusable(root) {
    root.querySelectorAll(".table-wrap").forEach(function (wrap) {
      var scrolls = wrap.scrollWidth > wrap.clientWidth + 1;
      if (scrolls && !wrap.hasAttribute("tabindex")) {
        var caption = wrap.querySelector("caption");
        wrap.setAttribute("tabindex", "0");
        wrap.setAttribute("role", "region");
        wrap.setAttribute("aria-label", caption ? caption.textContent.trim() : (document.title || "table"));
        wrap.dataset.scrollFocus = "1";
      } else if (!scrolls && wrap.dataset.scrollFocus) {
        wrap.removeAttribute("tabindex");
        wrap.removeAttribute("role");
        wrap.removeAttribute("aria-label");
        delete wrap.dataset.scrollFocus;
      }
    });
  }

  // Staff and reviewers are logged out after a time without a request. While they type in a
  // form, the page tells the server now and then that they are there (data-session-alive on
  // <body>), so that writing a long text does not count as idle; if the session has ended all
  // the same, the page says so before they send the form and lose what they typed.
  function keepSessionAlive() {
    var body = document.body;
    var url = body.dataset.sessionAlive;
    var every = parseInt(body.dataset.sessionAliveEvery || "0", 10) * 1000;
    if (!url || !every) { return; }
    var last = Date.now(), busy = false, ended = false;
    function showEnded() {
      ended = true;
      var main = document.getElementById("main");
      var box = document.createElement("div");
      box.className = "messages";
      box.setAttribute("role", "alert");
      var text = document.createElement("p");
      text.className = "message message-error";
      text.textContent = body.dataset.sessionEnded;
      box.appendChild(text);
      main.insertBefore(box, main.firstChild);
    }
    document.addEventListener("input", function (event) {
      var form = event.target.form;
      if (!form || ended || busy || Date.now() - last < every) { return; }
      var token = form.querySelector("input[name=csrfmiddlewaretoken]");
      if (!token) { return; }
      busy = true;
      fetch(url, { method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": token.value } })
        .then(function (response) {
          // 401: the session has ended; 403: the form's token no longer holds (a log-in
          // elsewhere). Anything else (the server busy or its database down) says nothing
          // about the session: ask again in 30 s, as when offline.
          if (response.status === 401 || response.status === 403) { showEnded(); }
          last = response.ok ? Date.now() : Date.now() - every + 30000;
        })
        .catch(function () { last = Date.now() - every + 30000; })
        .then(function () { busy = false; });
    });
  }

  function enhance(root) {
    showLocalTimes(root); bindConfirms(root); bindAutosubmit(root);
    makeScrollingTablesFocusable(document);
  }
  document.addEventListener("DOMContentLoaded", function () {
    enhance(document); focusErrorSummary(document); keepSessionAlive();
  });
  window.addEventListener("resize", function () { makeScrollingTablesFocusable(document); });
  document.addEventListener("htmx:afterSwap", function (event) { enhance(event.target); });
})();
