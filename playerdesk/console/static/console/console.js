/* PlayerDesk agent console: keyboard shortcuts, live updates over WebSocket, collision hints, drafts.
   Served as a static file (the console runs under a strict Content-Security-Policy: no inline code). */
(function () {
  "use strict";

  var body = document.body;
  var page = body.getAttribute("data-page") || "";
  var ticketId = parseInt(body.getAttribute("data-ticket-id") || "0", 10) || 0;
  var ticketSeq = parseInt(body.getAttribute("data-ticket-seq") || "0", 10) || 0;

  function $(selector, root) { return (root || document).querySelector(selector); }
  function $all(selector, root) { return Array.prototype.slice.call((root || document).querySelectorAll(selector)); }
  function isTyping(target) {
    if (!target) { return false; }
    var tag = target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
  }

  /* ------------------------------------------------------------ help dialog */
  var help = $("#kbd-help");
  function toggleHelp(force) {
    if (!help) { return; }
    var show = typeof force === "boolean" ? force : help.hidden;
    help.hidden = !show;
    if (show) { var btn = $("button", help); if (btn) { btn.focus(); } }
  }
  $all("[data-help-toggle]").forEach(function (btn) {
    btn.addEventListener("click", function () { toggleHelp(); });
  });

  /* ------------------------------------------------------------ small behaviours */
  $all("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () {
      if (select.form.requestSubmit) { select.form.requestSubmit(); } else { select.form.submit(); }
    });
  });

  document.addEventListener("click", function (event) {
    var row = event.target.closest ? event.target.closest("tr.queue-row[data-href]") : null;
    if (!row || event.target.closest("a, button, input, select, label")) { return; }
    window.location.href = row.getAttribute("data-href");
  });

  /* Let htmx show refusals (400, 409) in their target instead of dropping them. */
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status === 400 || status === 409 || status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  /* ------------------------------------------------------------ queue selection (j / k / Enter) */
  var selected = -1;
  function rows() { return $all("tr.queue-row[data-href]"); }
  function select(index) {
    var list = rows();
    if (!list.length) { selected = -1; return; }
    index = Math.max(0, Math.min(list.length - 1, index));
    list.forEach(function (row) { row.classList.remove("is-selected"); row.removeAttribute("aria-selected"); });
    var row = list[index];
    row.classList.add("is-selected");
    row.setAttribute("aria-selected", "true");
    var link = $("a.row-link", row);
    if (link) { link.focus({ preventScroll: true }); }
    row.scrollIntoView({ block: "nearest" });
    selected = index;
  }
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.target && event.target.id === "queue-results" && selected >= 0) {
      var list = rows();
      if (list.length) {
        var index = Math.min(selected, list.length - 1);
        list[index].classList.add("is-selected");
        list[index].setAttribute("aria-selected", "true");
      }
    }
  });

  /* ------------------------------------------------------------ keyboard shortcuts */
  var pendingG = 0;
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { toggleHelp(false); return; }
    if (event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) { return; }
    var key = event.key;
    if (pendingG && Date.now() - pendingG < 1200) {
      pendingG = 0;
      if (key === "q") { event.preventDefault(); window.location.href = "/desk/"; return; }
    }
    if (key === "g") { pendingG = Date.now(); return; }
    if (key === "?") { event.preventDefault(); toggleHelp(); return; }
    if (key === "/") {
      var box = $("[data-search-box]");
      if (box) { event.preventDefault(); box.focus(); box.select(); }
      return;
    }
    if (key === "j") { event.preventDefault(); select(selected + 1); return; }
    if (key === "k") { event.preventDefault(); select(selected < 0 ? 0 : selected - 1); return; }
    if (key === "Enter" && selected >= 0 && event.target.tagName !== "A") {
      var row = rows()[selected];
      if (row) { event.preventDefault(); window.location.href = row.getAttribute("data-href"); }
      return;
    }
    if (key === "r" && page === "ticket") {
      var reply = $("#reply-body");
      if (reply) { event.preventDefault(); reply.focus(); }
    }
  });

  /* ------------------------------------------------------------ reply box: mode, drafts, macros */
  var replyForm = $("#reply-form");
  var replyBody = $("#reply-body");
  function syncMode() {
    if (!replyForm) { return; }
    var note = $("input[name=mode][value=note]", replyForm);
    var isNote = !!(note && note.checked);
    replyForm.classList.toggle("is-note", isNote);
    var send = $("[data-send-label]", replyForm);
    if (send) {
      send.textContent = isNote ? (send.getAttribute("data-note") || send.textContent)
                                : (send.getAttribute("data-reply") || send.textContent);
    }
  }
  if (replyForm) {
    $all("input[name=mode]", replyForm).forEach(function (radio) { radio.addEventListener("change", syncMode); });
    syncMode();
  }
  if (replyBody) {
    var key = replyBody.getAttribute("data-draft-key");
    var store = null;
    try { store = window.sessionStorage; } catch (e) { store = null; }
    if (store && key && !replyBody.value) {
      var saved = store.getItem(key);
      if (saved) { replyBody.value = saved; }
    }
    replyBody.addEventListener("input", function () {
      if (store && key) { try { store.setItem(key, replyBody.value); } catch (e) { /* storage full */ } }
      sendTyping();
    });
    if (replyForm) {
      replyForm.addEventListener("submit", function () { if (store && key) { store.removeItem(key); } });
    }
  }
  document.addEventListener("htmx:afterRequest", function (event) {
    var elt = event.detail.elt;
    if (!elt || !elt.hasAttribute || !elt.hasAttribute("data-macro-insert") || !replyBody) { return; }
    if (!event.detail.successful) { return; }
    var text = event.detail.xhr.responseText;
    var start = replyBody.selectionStart || 0;
    var end = replyBody.selectionEnd || 0;
    var before = replyBody.value.slice(0, start);
    var after = replyBody.value.slice(end);
    replyBody.value = before + text + after;
    var caret = before.length + text.length;
    replyBody.focus();
    replyBody.setSelectionRange(caret, caret);
    replyBody.dispatchEvent(new Event("input", { bubbles: true }));
  });

  /* A held reply: bring the new activity into view so it gets read before sending again. */
  var firstNew = $(".timeline .is-new");
  if (firstNew) { firstNew.scrollIntoView({ block: "center" }); }

  /* ------------------------------------------------------------ live updates and presence */
  var socket = null;
  var retry = 1000;
  var lastTypingSent = 0;
  var presence = {};
  var refreshTimer = null;

  function send(message) {
    if (socket && socket.readyState === 1) { socket.send(JSON.stringify(message)); }
  }
  function sendTyping() {
    if (!ticketId) { return; }
    var now = Date.now();
    if (now - lastTypingSent > 3000) { lastTypingSent = now; send({ type: "typing", ticket: ticketId }); }
  }
  function showUpdatedBanner() {
    var banner = $("#live-banner");
    if (!banner || !banner.hidden) { return; }
    banner.textContent = "";
    var text = document.createElement("span");
    text.textContent = banner.getAttribute("data-text") || "This case was updated";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-small";
    button.textContent = banner.getAttribute("data-reload") || "Reload";
    button.addEventListener("click", function () { window.location.reload(); });
    banner.appendChild(text);
    banner.appendChild(document.createTextNode(" "));
    banner.appendChild(button);
    banner.hidden = false;
  }
  function renderPresence() {
    var box = $("#presence");
    if (!box) { return; }
    var now = Date.now();
    var parts = [];
    Object.keys(presence).forEach(function (user) {
      var p = presence[user];
      if (now - p.typing < 8000) {
        parts.push((box.getAttribute("data-typing") || "%s is typing…").replace("%s", p.agent));
      } else if (now - p.viewing < 10000 || now - p.typing < 10000) {
        parts.push((box.getAttribute("data-viewing") || "%s is viewing").replace("%s", p.agent));
      } else {
        delete presence[user];
      }
    });
    var text = parts.join(" · ");
    if (box.textContent !== text) { box.textContent = text; }
    box.classList.toggle("is-active", parts.length > 0);
  }
  function refreshQueue() {
    if (refreshTimer) { return; }
    refreshTimer = window.setTimeout(function () {
      refreshTimer = null;
      if (window.htmx && $("#queue-results")) { window.htmx.trigger("#queue-results", "desk:refresh"); }
    }, 1500);
  }
  function onMessage(event) {
    var data;
    try { data = JSON.parse(event.data); } catch (e) { return; }
    if (!data || typeof data !== "object") { return; }
    if (data.kind === "presence" && data.ticket === ticketId) {
      if (!presence[data.user]) { send({ type: "viewing", ticket: ticketId }); }  /* introduce ourselves */
      var entry = presence[data.user] || { agent: String(data.agent || ""), viewing: 0, typing: 0 };
      entry.agent = String(data.agent || "");
      entry[data.state === "typing" ? "typing" : "viewing"] = Date.now();
      presence[data.user] = entry;
      renderPresence();
    } else if (data.kind === "ticket") {
      if (page === "ticket" && data.id === ticketId && typeof data.seq === "number" && data.seq > ticketSeq) {
        showUpdatedBanner();
      } else if (page === "queue") {
        refreshQueue();
      }
    }
  }
  function connect() {
    if (!("WebSocket" in window) || (page !== "queue" && page !== "ticket")) { return; }
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + window.location.host + (body.getAttribute("data-ws-path") || "/ws/desk/"));
    socket.addEventListener("open", function () {
      retry = 1000;
      if (ticketId) { send({ type: "watch", ticket: ticketId }); }
    });
    socket.addEventListener("message", onMessage);
    socket.addEventListener("close", function () {
      socket = null;
      window.setTimeout(connect, retry);
      retry = Math.min(retry * 2, 30000);
    });
  }
  connect();
  if (ticketId) {
    window.setInterval(function () {
      if (!document.hidden) { send({ type: "viewing", ticket: ticketId }); }
      renderPresence();
    }, 5000);
    window.setInterval(renderPresence, 1000);
  }
})();
