// vanthu web interface: small progressive enhancements; every page works
// without this file.
(function () {
  "use strict";

  // The entries of a form with every text field before the files: a
  // form larger than the server takes is answered after its text parts
  // only (the server reads nothing past the first file), so that what was
  // typed comes back in the form, not only what precedes the file input.
  function textFirst(all) {
    if (!all.forEach) { return all; }
    var data = new FormData(), files = [];
    all.forEach(function (v, k) {
      if (typeof v === "string") { data.append(k, v); } else { files.push([k, v]); }
    });
    for (var i = 0; i < files.length; i++) { data.append(files[i][0], files[i][1]); }
    return data;
  }

  // Upload progress: a form with data-progress posts through
  // XMLHttpRequest so the progress bar can follow the upload; the server
  // answers with a redirect (followed) or a page, which replaces this one.
  function enhanceUpload(form) {
    var bar = form.querySelector("progress");
    var label = form.querySelector("[data-progress-label]");
    form.addEventListener("submit", function (ev) {
      if (!window.FormData || !window.XMLHttpRequest) { return; }
      ev.preventDefault();
      var xhr = new XMLHttpRequest();
      xhr.open(form.method || "POST", form.action);
      if (bar) { bar.classList.remove("hidden"); bar.value = 0; }
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable && bar) {
          bar.max = e.total; bar.value = e.loaded;
          if (label) { label.textContent = "Đã tải lên " + Math.round(100 * e.loaded / e.total) + "%"; }
        }
      });
      xhr.addEventListener("load", function () {
        if (xhr.responseURL && xhr.responseURL !== form.action) {
          window.location.assign(xhr.responseURL);
          return;
        }
        document.open();
        document.write(xhr.responseText);
        document.close();
      });
      xhr.addEventListener("error", function () {
        if (label) { label.textContent = "Lỗi mạng khi tải lên. Đang gửi lại theo cách thông thường…"; }
        form.submit();
      });
      var buttons = form.querySelectorAll("button[type=submit]");
      for (var i = 0; i < buttons.length; i++) { buttons[i].disabled = true; }
      var data = textFirst(new FormData(form));
      if (ev.submitter && ev.submitter.name) { data.append(ev.submitter.name, ev.submitter.value); }
      xhr.send(data);
    });
  }

  // The sentences of a region's rows (data-said) by their key
  // (data-delivery).
  function saidRows(el) {
    var said = {};
    var rows = el.querySelectorAll("[data-said]");
    for (var i = 0; i < rows.length; i++) { said[rows[i].getAttribute("data-delivery")] = rows[i].getAttribute("data-said"); }
    return said;
  }

  // A region's pace attribute in ms, else def.
  function pace(el, name, def) {
    var n = parseInt(el.getAttribute(name) || "", 10);
    return n > 0 ? n : def;
  }

  // Replaces the region's HTML with its fresh copy in html (the region
  // alone, as data-refresh answers it, or a page holding it), and says
  // the rows whose state changed in the live region; returns whether one
  // did.
  function applyFresh(el, live, html) {
    var fresh = new DOMParser().parseFromString(html, "text/html").getElementById(el.id);
    if (!fresh) { return false; }
    var before = saidRows(el);
    el.innerHTML = fresh.innerHTML;
    el.setAttribute("data-pending", fresh.getAttribute("data-pending") || "false");
    el.setAttribute("data-watch", fresh.getAttribute("data-watch") || "false");
    var after = saidRows(el), changed = [];
    for (var key in after) {
      if (Object.prototype.hasOwnProperty.call(after, key) && after[key] !== before[key]) { changed.push(after[key]); }
    }
    if (live && changed.length > 0) { live.textContent = changed.join(" "); }
    return changed.length > 0;
  }

  // Live delivery status: a region with data-refresh reloads its own
  // HTML from data-refresh (the region alone, not the page around it) —
  // every data-every ms while it says pending
  // (data-pending); then, while a recipient may still report a status
  // (data-watch: registered, assigned, in progress, completed, an answer
  // to a revocation), after data-slow ms, doubled after each refresh that
  // changed nothing up to data-slow-max, back to data-slow after one that
  // did; it stops once neither. Nothing is fetched while the tab is
  // hidden (Page Visibility): shown again, it refreshes when its time
  // has come, at once if it came while hidden. The rows whose state
  // changed are said in the polite live region named by data-live
  // (outside the region, so that it is never replaced); a refresh that
  // changes nothing says nothing.
  function refreshRegion(el) {
    var live = document.getElementById(el.getAttribute("data-live") || "");
    var url = el.getAttribute("data-refresh");
    var fast = pace(el, "data-every", 4000), slow = pace(el, "data-slow", 30000);
    var slowMax = Math.max(pace(el, "data-slow-max", 300000), slow);
    var wait = slow, timer = null, due = 0, busy = false;
    function schedule() {
      var ms = el.getAttribute("data-pending") === "true" ? fast : el.getAttribute("data-watch") === "true" ? wait : 0;
      window.clearTimeout(timer);
      timer = null;
      due = ms > 0 ? Date.now() + ms : 0;
      if (due && !document.hidden) { timer = window.setTimeout(poll, ms); }
    }
    function poll() {
      timer = null;
      if (document.hidden) { return; } // visibilitychange resumes it
      busy = true;
      var pending = el.getAttribute("data-pending") === "true";
      var xhr = new XMLHttpRequest();
      xhr.open("GET", url);
      xhr.addEventListener("loadend", function () {
        busy = false;
        if (xhr.status === 200 && applyFresh(el, live, xhr.responseText)) {
          wait = slow;
        } else if (!pending) {
          wait = Math.min(wait * 2, slowMax);
        }
        schedule();
      });
      xhr.send();
    }
    document.addEventListener("visibilitychange", function () {
      window.clearTimeout(timer);
      timer = null;
      if (!document.hidden && due && !busy) { timer = window.setTimeout(poll, Math.max(0, due - Date.now())); }
    });
    schedule();
  }

  // Confirmation for buttons with data-confirm.
  function confirmButtons() {
    document.addEventListener("click", function (ev) {
      var b = ev.target.closest ? ev.target.closest("[data-confirm]") : null;
      if (b && !window.confirm(b.getAttribute("data-confirm"))) { ev.preventDefault(); }
    });
  }

  // A page sent back with a problem (a form's error, role="alert"): the
  // focus goes to the first input at fault (aria-invalid, described by
  // its message beside it: a screen reader reads the label, "invalid",
  // what was typed and the message; the first box of a group at fault,
  // data-invalid), else to the message above the form
  // — an alert already there when a page opens is not announced — and
  // Tab goes on from there into the form.
  function focusProblem() {
    var problem = document.querySelector("main .error[role=alert]");
    if (!problem) { return; }
    var field = document.querySelector("main [aria-invalid=true], main [data-invalid=true] input:not([type=hidden])");
    if (field && field.offsetParent !== null) { field.focus(); return; }
    problem.setAttribute("tabindex", "-1");
    problem.focus();
  }

  // The page "Sao văn bản": the pages of a trích sao are asked for only
  // when that form is chosen (without script the input is always shown).
  function copyPages() {
    var p = document.querySelector("[data-copy-pages]");
    var form = document.getElementById("form");
    if (!p || !form) { return; }
    var show = function () { p.hidden = form.value !== "TS"; };
    form.addEventListener("change", show);
    show();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var forms = document.querySelectorAll("form[data-progress]");
    for (var i = 0; i < forms.length; i++) { enhanceUpload(forms[i]); }
    var regions = document.querySelectorAll("[data-refresh]");
    for (var j = 0; j < regions.length; j++) { refreshRegion(regions[j]); }
    confirmButtons();
    copyPages();
    var prints = document.querySelectorAll("[data-print]");
    for (var k = 0; k < prints.length; k++) { prints[k].addEventListener("click", function () { window.print(); }); }
    focusProblem();
  });
})();
