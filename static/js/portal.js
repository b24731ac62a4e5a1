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

  // A form being filled in: leaving the page (a link, the Back button, closing the tab) asks
  // first, so what was typed is not thrown away by a stray click; sending the form does not
  // ask. A form shown again with an error beside a field holds what was typed last time, so it
  // counts as changed from the start. Ticking rows of a table (a bulk action's selection) and
  // the log-in and password forms do not count.
  function warnBeforeLosingInput() {
    function counts(el) {
      var form = el.form;
      if (!form || form.method !== "post" || form.hasAttribute("data-leave-freely")) { return false; }
      if (el.type === "hidden" || el.hasAttribute("data-autosubmit")) { return false; }
      if (form.querySelector("input[type=password]")) { return false; }  // log-in, sign-up, passwords
      return !((el.type === "checkbox" || el.type === "radio") && el.closest("table"));
    }
    function noteChange(event) {
      if (!counts(event.target)) { return; }
      var form = event.target.form;
      form.dataset.changed = "1";
      form.dataset.edits = String(Number(form.dataset.edits || 0) + 1);
    }
    document.addEventListener("input", noteChange);
    document.addEventListener("change", noteChange);
    // A form that saves itself as the user goes (the application's sections, with htmx): once
    // the server says it saved what was sent, and nothing was typed since, leaving asks nothing.
    document.addEventListener("htmx:beforeRequest", function (event) {
      var form = event.detail.elt;
      if (form && form.tagName === "FORM") { form.dataset.editsSent = form.dataset.edits || "0"; }
    });
    document.addEventListener("htmx:afterRequest", function (event) {
      var form = event.detail.elt;
      if (!form || form.tagName !== "FORM" || !event.detail.successful) { return; }
      var saved = /\bdata-saved\b/.test(event.detail.xhr.responseText || "");
      if (saved && (form.dataset.edits || "0") === form.dataset.editsSent) {
        delete form.dataset.changed;
      }
    });
    document.querySelectorAll("form[method=post] .field-error").forEach(function (field) {
      var form = field.closest("form");
      if (!form.querySelector("input[type=password]") && !form.hasAttribute("data-leave-freely")) {
        form.dataset.changed = "1";
      }
    });
    // Sending a form keeps what was typed in it; another form changed on the page still asks
    // (typing a section, then switching the language or logging out).
    document.addEventListener("submit", function (event) {
      if (!event.defaultPrevented) { delete event.target.dataset.changed; }
    });
    window.addEventListener("beforeunload", function (event) {
      if (document.querySelector("form[data-changed]")) {
        event.preventDefault();
        event.returnValue = "";  // older browsers ask only when this is set
      }
    });
  }

  // A form sent once is not sent again by a second click while the next page loads (a double
  // click on "Submit" or "Add"). After 10 s — a download that leaves the page as it was, a
  // slow network — it can be sent again. htmx forms and cancelled confirmations never get here.
  function sendFormsOnce() {
    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (event.defaultPrevented || form.method !== "post") { return; }
      var sentAt = Number(form.dataset.sentAt || 0);
      if (Date.now() - sentAt < 10000) { event.preventDefault(); return; }
      form.dataset.sentAt = String(Date.now());
    });
    // Back to a page kept by the browser (the back-forward cache): its forms can be sent again.
    window.addEventListener("pageshow", function (event) {
      if (!event.persisted) { return; }
      document.querySelectorAll("form[data-sent-at]").forEach(function (form) {
        delete form.dataset.sentAt;
      });
    });
  }

  // A file larger than the portal accepts (data-max-size, on every file input) is refused as
  // soon as it is chosen, not after minutes of sending it: the message appears beside the
  // field and the input is emptied. The server refuses it too (core.uploads).
  function checkFileSizes() {
    document.addEventListener("change", function (event) {
      var input = event.target;
      if (input.type !== "file" || !input.dataset.maxSize) { return; }
      var limit = Number(input.dataset.maxSize);
      var tooLarge = Array.prototype.some.call(input.files || [], function (file) {
        return file.size > limit;
      });
      var id = input.id + "-too-large";
      var shown = document.getElementById(id);
      var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(function (part) {
        return part && part !== id;
      });
      if (!tooLarge) {
        if (!shown) { return; }
        shown.remove();
        input.removeAttribute("aria-invalid");
        if (described.length) {
          input.setAttribute("aria-describedby", described.join(" "));
        } else {
          input.removeAttribute("aria-describedby");
        }
        return;
      }
      if (!shown) {
        shown = document.createElement("p");
        shown.className = "error-message";
        shown.id = id;
        shown.setAttribute("role", "alert");
        input.before(shown);
      }
      shown.textContent = input.dataset.tooLarge;
      input.value = "";
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", described.concat([id]).join(" "));
    });
  }

  // A form that saves itself (htmx; the application's sections) whose save did not arrive: the
  // server answered an error (its database down: 503) or could not be reached. htmx swaps
  // nothing then, and the status line kept saying "Saved automatically at …" about an earlier
  // save. It now says the change is not saved (the form's data-autosave-failed, in the reader's
  // language); the next change, or "Save", tries again.
  function sayWhenAutosaveFails() {
    function failed(event) {
      var form = event.detail.elt;
      if (!form || form.tagName !== "FORM" || !form.dataset.autosaveFailed) { return; }
      var status = document.getElementById("autosave-status");
      if (!status) { return; }
      status.textContent = form.dataset.autosaveFailed;
      status.className = "error-message";
      status.setAttribute("role", "alert");
      status.removeAttribute("data-saved");
    }
    document.addEventListener("htmx:responseError", failed);
    document.addEventListener("htmx:sendError", failed);
  }

  function enhance(root) {
    showLocalTimes(root); bindConfirms(root); bindAutosubmit(root);
    makeScrollingTablesFocusable(document);
  }
  document.addEventListener("DOMContentLoaded", function () {
    enhance(document); focusErrorSummary(document); keepSessionAlive();
    warnBeforeLosingInput(); sendFormsOnce(); checkFileSizes(); sayWhenAutosaveFails();
  });
  window.addEventListener("resize", function () { makeScrollingTablesFocusable(document); });
  document.addEventListener("htmx:afterSwap", function (event) { enhance(event.target); });
})();
