/* LDN Diary: small enhancements loaded on every page (no inline scripts).

   - The phone menu: a "Menu" button that shows and hides the main navigation.
   - Wide tables: a scroll box that is wider than its content gets a label and a
     tab stop, so keyboard users can scroll it.
   - Errors: focus moves to the error summary when a form comes back with errors.
   - Score groups (0-10): Tab enters a group at its chosen score, or at 5 when
     nothing is chosen; the arrow keys stop at the ends instead of wrapping round.
   - Drafts: what is typed into a form marked data-draft is kept in this
     browser's localStorage (per user and per form, for example per check-in
     date) until it is saved, so a reload, a closed tab or an expired session
     loses nothing. Drafts never leave the device. Log-out removes them.
   - A warning before leaving a page with unsaved changes.
   - Copy buttons (data-copy="#id").
   - The service worker (static files of the check-in and trends pages only).
*/
(function () {
  "use strict";

  var DRAFT_PREFIX = "ldn-draft:";
  var PENDING_KEY = "ldn-draft-pending";
  var DRAFT_MAX_AGE_MS = 14 * 24 * 3600 * 1000; // an older draft is stale
  var discarding = false;
  var body = document.body;
  var userId = body.getAttribute("data-user");

  function text(el, name, fallback) {
    return (el && el.getAttribute(name)) || body.getAttribute(name) || fallback;
  }

  /* ------------------------------------------------------------ phone menu */
  function setUpMenu() {
    var button = document.querySelector(".menu-button");
    var nav = document.getElementById("site-nav");
    if (!button || !nav) return;
    button.hidden = false;
    document.documentElement.classList.add("has-menu");
    function close() {
      button.setAttribute("aria-expanded", "false");
      nav.classList.remove("open");
    }
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") !== "true";
      button.setAttribute("aria-expanded", open ? "true" : "false");
      nav.classList.toggle("open", open);
      if (open) {
        var first = nav.querySelector("a, button");
        if (first) first.focus();
      }
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && nav.classList.contains("open")) {
        close();
        button.focus();
      }
    });
  }

  /* ------------------------------------------------- scrollable table boxes */
  function labelScrollBoxes() {
    var boxes = document.querySelectorAll(".table-wrap, .table-scroll");
    Array.prototype.forEach.call(boxes, function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        var caption = box.querySelector("caption");
        var section = box.closest("[aria-labelledby]");
        var heading = section &&
          document.getElementById(section.getAttribute("aria-labelledby").split(" ")[0]);
        var label = box.getAttribute("data-label") ||
          (caption ? caption.textContent.trim() : "") ||
          (heading ? heading.textContent.trim() : "") ||
          text(body, "data-table-label", "Table");
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", label);
        box.setAttribute("data-scroll-box", "");
      } else if (!scrolls && box.hasAttribute("data-scroll-box")) {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
        box.removeAttribute("data-scroll-box");
      }
    });
  }

  /* ------------------------------------------------------------- errors */
  function focusErrors() {
    var summary = document.getElementById("form-errors");
    if (summary) {
      summary.focus();
      return true;
    }
    return false;
  }

  /* ----------------------------------------------------------- score groups */
  function setUpScoreGroups() {
    var groups = document.querySelectorAll(".score-field");
    Array.prototype.forEach.call(groups, function (group) {
      var radios = Array.prototype.slice.call(
        group.querySelectorAll('input[type="radio"]')
      );
      if (!radios.length) return;
      var scores = radios.filter(function (r) { return r.value !== ""; });
      var clear = radios.filter(function (r) { return r.value === ""; })[0];
      // "Not answered" checked means nothing chosen; unchecked posts the same.
      if (clear && clear.checked) clear.checked = false;
      var middle = scores[Math.floor(scores.length / 2)];

      function rove() {
        var checked = radios.filter(function (r) { return r.checked; })[0];
        var stop = checked || middle;
        radios.forEach(function (r) {
          r.tabIndex = r === stop ? 0 : -1;
        });
      }
      rove();
      group.addEventListener("change", rove);
      group.addEventListener("keydown", function (event) {
        var index = radios.indexOf(event.target);
        if (index < 0) return;
        var back = event.key === "ArrowLeft" || event.key === "ArrowUp";
        var forward = event.key === "ArrowRight" || event.key === "ArrowDown";
        if ((back && index === 0) || (forward && index === radios.length - 1)) {
          event.preventDefault();
        }
      });
    });
  }

  /* ----------------------------------------------------------------- drafts */
  function storage() {
    try {
      var s = window.localStorage;
      s.setItem("ldn-test", "1");
      s.removeItem("ldn-test");
      return s;
    } catch (e) {
      return null;
    }
  }

  function draftKey(form) {
    return DRAFT_PREFIX + userId + ":" + form.getAttribute("data-draft");
  }

  function draftFields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.name !== "csrfmiddlewaretoken" &&
        el.type !== "submit" && el.type !== "button" && el.type !== "hidden" &&
        el.type !== "password" && el.type !== "file";
    });
  }

  function readForm(form) {
    var data = {};
    draftFields(form).forEach(function (el) {
      if (el.type === "radio") {
        if (!(el.name in data)) data[el.name] = null;
        if (el.checked) data[el.name] = el.value;
      } else if (el.type === "checkbox") {
        data[el.name] = data[el.name] || [];
        if (el.checked) data[el.name].push(el.value);
      } else if (el.multiple) {
        data[el.name] = Array.prototype.filter.call(el.options, function (o) {
          return o.selected;
        }).map(function (o) { return o.value; });
      } else {
        data[el.name] = el.value;
      }
    });
    return data;
  }

  function writeForm(form, data) {
    draftFields(form).forEach(function (el) {
      if (!(el.name in data)) return;
      var value = data[el.name];
      if (el.type === "radio") {
        el.checked = value !== null && el.value === value;
      } else if (el.type === "checkbox") {
        el.checked = Array.isArray(value) && value.indexOf(el.value) >= 0;
      } else if (el.multiple) {
        Array.prototype.forEach.call(el.options, function (o) {
          o.selected = Array.isArray(value) && value.indexOf(o.value) >= 0;
        });
      } else if (typeof value === "string") {
        el.value = value;
      }
    });
    // Optional sections with a restored answer are opened, so nothing is hidden.
    Array.prototype.forEach.call(form.querySelectorAll("details"), function (d) {
      var filled = Array.prototype.some.call(
        d.querySelectorAll("input, select, textarea"),
        function (el) {
          if (el.type === "radio" || el.type === "checkbox") {
            return el.checked && el.value !== "";
          }
          return el.value !== "" && el.defaultValue !== el.value;
        }
      );
      if (filled) d.open = true;
    });
  }

  function same(a, b) {
    return JSON.stringify(a) === JSON.stringify(b);
  }

  function showDraftNotice(form, message) {
    var notice = document.createElement("div");
    notice.className = "notice draft-notice";
    notice.setAttribute("role", "status");
    notice.setAttribute("data-testid", "draft-restored");
    var p = document.createElement("p");
    p.textContent = message;
    notice.appendChild(p);
    var discard = document.createElement("button");
    discard.type = "button";
    discard.className = "button-secondary";
    discard.textContent = text(form, "data-draft-discard", "Discard what I typed");
    discard.addEventListener("click", function () {
      var s = storage();
      if (s) s.removeItem(draftKey(form));
      discarding = true;
      window.location.reload();
    });
    notice.appendChild(discard);
    form.parentNode.insertBefore(notice, form);
    return notice;
  }

  function setUpDrafts() {
    var s = storage();
    if (!s) return;

    // A form was sent on the previous page. Unless this page says the send
    // failed (log-in after an expired session, a CSRF failure, the form again
    // with errors), the draft was saved: remove it.
    var pending = null;
    try {
      pending = JSON.parse(window.sessionStorage.getItem(PENDING_KEY) || "null");
    } catch (e) {
      pending = null;
    }
    window.sessionStorage.removeItem(PENDING_KEY);
    var keeps = body.hasAttribute("data-keep-drafts") ||
      document.getElementById("form-errors");
    if (pending && !keeps) {
      s.removeItem(pending);
    }
    if (!userId) return;

    var forms = document.querySelectorAll("form[data-draft]");
    Array.prototype.forEach.call(forms, function (form) {
      var key = draftKey(form);
      var initial = readForm(form);
      var dirty = false;
      var hasErrors = !!document.getElementById("form-errors");
      var stored = null;
      try {
        stored = JSON.parse(s.getItem(key) || "null");
      } catch (e) {
        stored = null;
      }
      if (stored && Date.now() - (stored.saved || 0) > DRAFT_MAX_AGE_MS) {
        s.removeItem(key);
        stored = null;
      }
      if (stored && stored.data && !hasErrors && !same(stored.data, initial)) {
        writeForm(form, stored.data);
        Array.prototype.forEach.call(form.querySelectorAll(".score-field"), function (g) {
          g.dispatchEvent(new Event("change"));
        });
        dirty = true;
        showDraftNotice(form, text(form, "data-draft-restored",
          "We kept what you typed before. It is not saved yet: check it and press Save."));
      }

      function save() {
        var now = readForm(form);
        dirty = !same(now, initial);
        if (dirty) {
          s.setItem(key, JSON.stringify({ saved: Date.now(), data: now }));
        } else {
          s.removeItem(key);
        }
      }
      form.addEventListener("input", save);
      form.addEventListener("change", save);
      form.addEventListener("submit", function () {
        save();
        dirty = false;
        window.sessionStorage.setItem(PENDING_KEY, JSON.stringify(key));
      });
      window.addEventListener("beforeunload", function (event) {
        if (dirty && !discarding) {
          event.preventDefault();
          event.returnValue = "";
        }
      });
    });
  }

  function clearDrafts() {
    var s = storage();
    if (s) {
      var keys = [];
      for (var i = 0; i < s.length; i++) {
        var key = s.key(i);
        if (key && key.indexOf(DRAFT_PREFIX) === 0) keys.push(key);
      }
      keys.forEach(function (key) { s.removeItem(key); });
    }
    try {
      window.sessionStorage.removeItem(PENDING_KEY);
    } catch (e) { /* storage blocked: nothing kept */ }
  }

  // The service worker's cache (static files only) and its registration.
  function clearOffline() {
    var jobs = [];
    if (window.caches && caches.keys) {
      jobs.push(caches.keys().then(function (names) {
        return Promise.all(names.filter(function (name) {
          return name.indexOf("ldn-static") === 0;
        }).map(function (name) { return caches.delete(name); }));
      }));
    }
    if (navigator.serviceWorker && navigator.serviceWorker.getRegistrations) {
      jobs.push(navigator.serviceWorker.getRegistrations().then(function (list) {
        return Promise.all(list.map(function (r) { return r.unregister(); }));
      }));
    }
    return Promise.all(jobs).catch(function () { /* nothing to clear */ });
  }

  function setUpLogout() {
    var forms = document.querySelectorAll("form[data-logout]");
    Array.prototype.forEach.call(forms, function (form) {
      form.addEventListener("submit", function (event) {
        if (form.getAttribute("data-cleared") === "1") return;
        event.preventDefault();
        clearDrafts();
        var send = function () {
          form.setAttribute("data-cleared", "1");
          form.submit();
        };
        // Log out even if clearing the cache hangs.
        var timer = setTimeout(send, 1000);
        clearOffline().then(function () {
          clearTimeout(timer);
          send();
        });
      });
    });
    // Logged out (or the session expired): no offline cache is kept. Drafts stay
    // until log-in, so an expired session loses nothing.
    if (!userId) clearOffline();
  }

  /* ---------------------------------------------------------------- copying */
  function setUpCopyButtons() {
    var buttons = document.querySelectorAll("[data-copy]");
    Array.prototype.forEach.call(buttons, function (button) {
      var source = document.querySelector(button.getAttribute("data-copy"));
      var status = document.querySelector(button.getAttribute("data-copy-status"));
      if (!source) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        function done(ok) {
          if (status) {
            status.textContent = ok
              ? text(button, "data-copied", "Copied.")
              : text(button, "data-copy-failed", "Select the link and copy it.");
          }
        }
        source.select();
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(source.value).then(
            function () { done(true); },
            function () { done(document.execCommand && document.execCommand("copy")); }
          );
        } else {
          done(document.execCommand && document.execCommand("copy"));
        }
      });
    });
  }

  /* --------------------------------------------------------- service worker */
  function registerServiceWorker() {
    var url = body.getAttribute("data-sw");
    if (!url || !("serviceWorker" in navigator)) return;
    navigator.serviceWorker.register(url, { scope: "/" }).catch(function () {
      /* Not available (plain HTTP on another host): the site works without. */
    });
  }

  setUpMenu();
  setUpScoreGroups();
  setUpDrafts();
  setUpLogout();
  setUpCopyButtons();
  labelScrollBoxes();
  window.addEventListener("resize", labelScrollBoxes);
  document.addEventListener("toggle", labelScrollBoxes, true);
  focusErrors();
  registerServiceWorker();
})();
