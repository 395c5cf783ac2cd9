/* OpenOrchestrator Console: small progressive enhancements. Pages work without JavaScript. */
(function () {
  "use strict";

  // Forms that ask before they act: <form data-confirm="Really?">, or the button that submits,
  // <button form="row-actions" formaction="..." data-confirm="Really?"> (row actions share a form).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var button = event.submitter;
    var question = (button && button.getAttribute("data-confirm")) ||
      (form.getAttribute && form.getAttribute("data-confirm"));
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  // "Select all" checkbox for bulk forms: <input type="checkbox" data-select-all="name">.
  document.addEventListener("change", function (event) {
    var box = event.target;
    var name = box.getAttribute && box.getAttribute("data-select-all");
    if (!name) return;
    document.querySelectorAll('input[type=checkbox][name="' + name + '"]').forEach(function (other) {
      other.checked = box.checked;
    });
  });

  // The header's menu on narrow screens (console.css folds the header only once this button is
  // shown): the button opens and closes it; Escape inside it closes it and returns to the button.
  var menuToggle = document.querySelector("[data-menu-toggle]");
  var menu = menuToggle && document.getElementById(menuToggle.getAttribute("aria-controls"));
  if (menu) {
    var openMenu = function (open) {
      menuToggle.setAttribute("aria-expanded", open ? "true" : "false");
    };
    menuToggle.hidden = false;
    menuToggle.addEventListener("click", function () {
      openMenu(menuToggle.getAttribute("aria-expanded") !== "true");
    });
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape" || menuToggle.getAttribute("aria-expanded") !== "true") return;
      if (menu.contains(document.activeElement) || document.activeElement === menuToggle) {
        openMenu(false);
        menuToggle.focus();
      }
    });
  }

  // Revealed secrets hide themselves: <span data-hide-after="30">.
  document.querySelectorAll("[data-hide-after]").forEach(function (node) {
    var seconds = parseInt(node.getAttribute("data-hide-after"), 10) || 30;
    var counter = document.querySelector("[data-countdown-for='" + node.id + "']");
    var left = seconds;
    var timer = window.setInterval(function () {
      left -= 1;
      if (counter) counter.textContent = String(left);
      if (left <= 0) {
        window.clearInterval(timer);
        node.textContent = "(hidden)";
        node.classList.add("muted");
        node.setAttribute("data-hidden", "true");
      }
    }, 1000);
  });

  // Live fragments: <section data-refresh-url="/fragment/" data-refresh-seconds="15">. The panels
  // are not live regions; one polite status line says once when their headings' summaries change.
  var fragments = Array.prototype.slice.call(document.querySelectorAll("[data-refresh-url]"));
  if (fragments.length) {
    var paused = false;
    var toggle = document.querySelector("[data-refresh-toggle]");
    var stamp = document.querySelector("[data-refresh-stamp]");
    var announcer = document.querySelector("[data-refresh-announce]");
    var seconds = parseInt(fragments[0].getAttribute("data-refresh-seconds"), 10) || 15;
    var summary = function () {
      return Array.prototype.map.call(document.querySelectorAll("[data-live-summary]"), function (node) {
        return node.getAttribute("data-live-summary");
      }).join(" ");
    };
    var announced = summary();
    var refresh = function () {
      if (paused || document.hidden) return;
      Promise.all(fragments.map(function (node) {
        return fetch(node.getAttribute("data-refresh-url"), {
          credentials: "same-origin",
          headers: { "X-Requested-With": "fetch" },
        }).then(function (response) {
          if (!response.ok) throw new Error(String(response.status));
          return response.text();
        }).then(function (html) {
          node.innerHTML = html;
          node.removeAttribute("data-refresh-error");
          // The server's moment, in the console's one format (never the browser's clock or locale).
          var refreshed = node.querySelector("[data-refreshed-at]");
          if (stamp && refreshed) stamp.textContent = refreshed.textContent;
        }).catch(function () {
          node.setAttribute("data-refresh-error", "true");
          if (stamp) stamp.textContent = "update failed, retrying";
        });
      })).then(function () {
        var now = summary();
        if (announcer && now !== announced) {
          announcer.textContent = "Dashboard changed. " + now;
        }
        announced = now;
      });
    };
    window.setInterval(refresh, seconds * 1000);
    document.addEventListener("visibilitychange", function () { if (!document.hidden) refresh(); });
    if (toggle) {
      toggle.addEventListener("click", function () {
        paused = !paused;
        toggle.textContent = paused ? "Resume live refresh" : "Pause live refresh";
        toggle.setAttribute("aria-pressed", paused ? "true" : "false");
        if (!paused) refresh();
      });
    }
  }
})();
