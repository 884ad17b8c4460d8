// Exports page: while an export is queued or being made, ask the server for its
// status every 2 seconds (diary:export-status, JSON) and show it; when one is
// ready or has failed, reload the page so the server shows the download link or
// the reason. Without this script the page's Refresh link does the same.
(function () {
  "use strict";

  var INTERVAL_MS = 2000;
  var ACTIVE = { queued: true, running: true };

  function activeRows() {
    var rows = document.querySelectorAll("[data-export-status-url]");
    return Array.prototype.filter.call(rows, function (row) {
      return ACTIVE[row.getAttribute("data-status")] === true;
    });
  }

  function show(row, data) {
    var label = row.querySelector("[data-role=status-label]");
    if (label && data.status_label) {
      label.textContent = data.status_label;
    }
    var progress = row.querySelector("[data-role=progress]");
    if (progress && typeof data.progress === "number") {
      progress.value = data.progress;
      progress.textContent = data.progress + "%";
    }
    var text = row.querySelector("[data-role=status-text]");
    if (text && data.status !== row.getAttribute("data-status")) {
      text.textContent = "";
    }
    row.setAttribute("data-status", data.status);
  }

  function check(row) {
    var url = row.getAttribute("data-export-status-url");
    return fetch(url, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      cache: "no-store",
    })
      .then(function (response) {
        if (response.status === 404) {
          // Deleted meanwhile (perhaps in another tab): stop asking.
          row.removeAttribute("data-export-status-url");
          return null;
        }
        return response.ok ? response.json() : null;
      })
      .then(function (data) {
        if (!data) {
          return false;
        }
        show(row, data);
        return !ACTIVE[data.status];
      })
      .catch(function () {
        return false; // offline for a moment: try again next time
      });
  }

  function poll() {
    var rows = activeRows();
    if (rows.length === 0) {
      return;
    }
    Promise.all(rows.map(check)).then(function (finished) {
      if (finished.indexOf(true) !== -1) {
        window.location.reload();
        return;
      }
      window.setTimeout(poll, INTERVAL_MS);
    });
  }

  if (activeRows().length > 0) {
    window.setTimeout(poll, INTERVAL_MS);
  }
})();
