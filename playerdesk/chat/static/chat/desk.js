/* PlayerDesk console: live chats. Ringing chats (accept / decline), the agent's chats side by side with
   the player, whispers, macros, transfers; supervisors watch any chat. Every message carries a client id
   and is resent until the desk acknowledges it; each chat's entries are numbered and applied in order. */
(function () {
  "use strict";
  var rootEl = document.getElementById("chatdesk");
  if (!rootEl) { return; }
  var L = JSON.parse(document.getElementById("cd-labels").textContent);
  var isSupervisor = rootEl.getAttribute("data-supervisor") === "1";
  var conn = document.getElementById("cd-conn");
  var offersEl = document.getElementById("cd-offers");
  var noOffers = document.getElementById("cd-no-offers");
  var mineEl = document.getElementById("cd-mine");
  var liveEl = document.getElementById("cd-live");
  var mainEl = document.getElementById("cd-main");
  var emptyEl = document.getElementById("cd-empty");
  var template = document.getElementById("cd-pane-template");
  var STORE = "playerdesk-desk-outbox";

  function fmt(text, params) {
    return String(text).replace(/%\((\w+)\)s/g, function (_, name) { return params && params[name] != null ? params[name] : ""; });
  }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text != null) { node.textContent = text; }
    return node;
  }
  function cid() {
    var bytes = new Uint8Array(8);
    window.crypto.getRandomValues(bytes);
    return "a" + Date.now().toString(36) + Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  /* ------------------------------------------------------------ state */
  var chats = {};       // conv id -> {summary, pane, lastSeq, playerRead, pending: {cid: li}}
  var offers = {};      // offer id -> li
  var current = null;
  var justAccepted = null;
  var watchSet = {};    // conv ids this screen watches (supervisors) rather than answers
  var outbox = [];
  try { outbox = JSON.parse(window.sessionStorage.getItem(STORE) || "[]") || []; } catch (e) { outbox = []; }
  function saveOutbox() { try { window.sessionStorage.setItem(STORE, JSON.stringify(outbox)); } catch (e) { /* ignore */ } }

  /* ------------------------------------------------------------ socket */
  var ws = null, open = false, attempts = 0, active = true, deadTimer = null;
  function send(frame) {
    if (!open) { return false; }
    ws.send(JSON.stringify(frame));
    return true;
  }
  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    ws = new WebSocket(scheme + window.location.host + rootEl.getAttribute("data-ws-path"));
    ws.onopen = function () {
      open = true; attempts = 0;
      conn.textContent = L.connected;
      var seen = {};
      Object.keys(chats).forEach(function (id) { seen[id] = chats[id].lastSeq; });
      send({ type: "hello", convs: seen });
      var watch = parseInt(rootEl.getAttribute("data-watch") || "0", 10);
      if (watch && !chats[watch]) { watchSet[watch] = true; send({ type: "watch", conv: watch, last_seq: null }); }
      Object.keys(chats).forEach(function (id) {
        if (chats[id].watching) { send({ type: "watch", conv: parseInt(id, 10), last_seq: chats[id].lastSeq }); }
      });
      flush();
    };
    ws.onmessage = function (event) {
      clearTimeout(deadTimer);
      var frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      onFrame(frame);
    };
    ws.onclose = function () {
      open = false;
      conn.textContent = L.reconnecting;
      attempts += 1;
      setTimeout(connect, Math.min(10000, 300 * Math.pow(2, attempts)));
    };
  }
  setInterval(function () {
    if (!open) { return; }
    send({ type: "ping", active: active });
    active = false;
    clearTimeout(deadTimer);
    deadTimer = setTimeout(function () { try { ws.close(); } catch (e) { /* closed */ } }, 10000);
  }, 15000);
  ["keydown", "mousedown", "touchstart"].forEach(function (name) {
    document.addEventListener(name, function () { active = true; }, { passive: true });
  });
  function flush() { outbox.forEach(function (m) { send(m); }); }
  setInterval(function () { if (outbox.length) { flush(); } }, 8000);

  /* ------------------------------------------------------------ frames */
  function onFrame(frame) {
    switch (frame.type) {
      case "inbox":
        offersEl.textContent = ""; offers = {};
        frame.offers.forEach(addOffer);
        frame.chats.forEach(function (summary) { ensureChat(summary); });
        if (liveEl) { liveEl.textContent = ""; frame.live.forEach(addLive); }
        document.getElementById("cd-waiting").textContent = frame.waiting;
        document.getElementById("cd-limit").textContent = frame.limit;
        refreshLists();
        break;
      case "offer": addOffer(frame); notify(); break;
      case "offer_gone": removeOffer(frame.offer); break;
      case "queue": document.getElementById("cd-waiting").textContent = frame.waiting; break;
      case "resync":
        var chat = ensureChat(frame.chat);
        if (watchSet[frame.conv]) { chat.watching = true; setState(chat, frame.chat.state, frame.chat.agent); refreshLists(); }
        var log = chat.pane.querySelector(".cd-log");
        log.textContent = ""; chat.lastSeq = 0;
        frame.entries.forEach(function (e) { apply(chat, e); });
        if (!current || frame.conv === justAccepted || watchSet[frame.conv]) { select(frame.conv); }
        afterApply(chat);
        break;
      case "backlog":
        if (chats[frame.conv]) { chats[frame.conv].resuming = false; frame.entries.forEach(function (e) { apply(chats[frame.conv], e); }); afterApply(chats[frame.conv]); }
        break;
      case "entry":
        if (chats[frame.conv]) { apply(chats[frame.conv], frame); afterApply(chats[frame.conv]); }
        break;
      case "state":
        if (chats[frame.conv]) { setState(chats[frame.conv], frame.state, frame.agent); }
        break;
      case "typing":
        if (chats[frame.conv] && frame.from === "player") { showTyping(chats[frame.conv]); }
        break;
      case "read":
        if (chats[frame.conv] && frame.side === "player") { chats[frame.conv].playerRead = frame.seq; receipts(chats[frame.conv]); }
        break;
      case "ack":
        outbox = outbox.filter(function (m) { return m.cid !== frame.cid; });
        saveOutbox();
        break;
      case "released":
      case "transferred":
        if (chats[frame.conv] && !chats[frame.conv].watching) { dropChat(frame.conv, L.released); }
        break;
      case "error":
        if (frame.cid) {
          outbox = outbox.filter(function (m) { return m.cid !== frame.cid; }); saveOutbox();
        }
        if (frame.offer) { removeOffer(frame.offer); }
        showError(frame.message);
        break;
      default: break;
    }
  }
  function showError(message) {
    var box = document.getElementById("cd-error");
    if (!box) { box = el("p", "alert alert-error"); box.id = "cd-error"; box.setAttribute("role", "alert"); mainEl.insertBefore(box, mainEl.firstChild); }
    box.textContent = message || "";
    box.hidden = !message;
  }
  var originalTitle = document.title;
  function notify() {
    document.title = "● " + L.new_chat + " · " + originalTitle;
    setTimeout(function () { document.title = originalTitle; }, 6000);
  }

  /* ------------------------------------------------------------ offers */
  function addOffer(frame) {
    if (offers[frame.offer]) { return; }
    var li = el("li", "cd-offer");
    li.setAttribute("data-offer", frame.offer);
    var who = el("div", "cd-offer-who");
    who.appendChild(el("strong", "", frame.chat.name));
    who.appendChild(el("span", "cd-badge " + (frame.chat.verified ? "is-verified" : "is-guest"), frame.chat.verified ? L.verified : L.guest));
    li.appendChild(who);
    li.appendChild(el("p", "cd-offer-subject small", frame.chat.subject + " · " + frame.chat.language.toUpperCase()));
    var accept = el("button", "btn btn-primary btn-small cd-accept", L.accept);
    accept.type = "button";
    accept.addEventListener("click", function () { justAccepted = frame.conv; send({ type: "accept", offer: frame.offer }); removeOffer(frame.offer); });
    var decline = el("button", "btn btn-small cd-decline", L.decline);
    decline.type = "button";
    decline.addEventListener("click", function () { send({ type: "decline", offer: frame.offer }); removeOffer(frame.offer); });
    var bar = el("div", "cd-offer-actions");
    bar.appendChild(accept); bar.appendChild(decline);
    li.appendChild(bar);
    offersEl.appendChild(li);
    offers[frame.offer] = li;
    refreshLists();
  }
  function removeOffer(id) {
    if (offers[id]) { offers[id].remove(); delete offers[id]; }
    refreshLists();
  }
  function addLive(summary) {
    var li = el("li", "cd-live-item");
    var a = el("a", "", summary.name + " · " + summary.reference);
    a.href = "?watch=" + summary.conv;
    a.addEventListener("click", function (event) {
      event.preventDefault();
      watchSet[summary.conv] = true;
      var chat = ensureChat(summary);
      chat.watching = true;
      setState(chat, summary.state, summary.agent);
      send({ type: "watch", conv: summary.conv, last_seq: chat.lastSeq });
      select(summary.conv);
    });
    li.appendChild(a);
    li.appendChild(el("span", "muted small", " " + summary.state + (summary.agent ? " · " + summary.agent : "")));
    liveEl.appendChild(li);
  }

  /* ------------------------------------------------------------ chats */
  function ensureChat(summary) {
    var chat = chats[summary.conv];
    if (chat) { chat.summary = summary; return chat; }
    var pane = template.content.firstElementChild.cloneNode(true);
    pane.hidden = true;
    pane.setAttribute("data-conv", summary.conv);
    pane.querySelector(".cd-name").textContent = summary.name;
    var badge = pane.querySelector(".cd-badge");
    badge.textContent = summary.verified ? L.verified : L.guest;
    badge.classList.add(summary.verified ? "is-verified" : "is-guest");
    var ref = pane.querySelector(".cd-ref");
    ref.textContent = summary.reference; ref.href = summary.case_url;
    var info = pane.querySelector(".cd-player");
    function row(label, value) { info.appendChild(el("dt", "", label)); info.appendChild(el("dd", "", value || "—")); }
    if (summary.verified) {
      row(L.player_id, summary.player.id); row(L.email, summary.player.email);
      row(L.province, summary.player.province); row(L.language, summary.language.toUpperCase());
    } else {
      row(L.given_email, summary.email); row(L.language, summary.language.toUpperCase());
      info.appendChild(el("dd", "cd-guest-note muted small", L.guest_note));
    }
    chat = { summary: summary, pane: pane, lastSeq: 0, playerRead: 0, watching: false, resuming: false };
    chats[summary.conv] = chat;
    wirePane(chat);
    mainEl.appendChild(pane);
    setState(chat, summary.state, summary.agent);
    refreshLists();
    return chat;
  }
  function dropChat(conv, reason) {
    var chat = chats[conv];
    if (!chat) { return; }
    chat.pane.remove();
    delete chats[conv];
    if (current === conv) { current = null; var ids = Object.keys(chats); if (ids.length) { select(parseInt(ids[0], 10)); } else { emptyEl.hidden = false; } }
    refreshLists();
    if (reason) { conn.textContent = reason; }
  }
  function select(conv) {
    current = conv;
    Object.keys(chats).forEach(function (id) { chats[id].pane.hidden = parseInt(id, 10) !== conv; });
    emptyEl.hidden = !!chats[conv];
    refreshLists();
    if (chats[conv]) { markRead(chats[conv]); var input = chats[conv].pane.querySelector(".cd-input"); if (input && !input.disabled) { input.focus(); } }
  }
  function refreshLists() {
    noOffers.hidden = Object.keys(offers).length > 0;
    mineEl.textContent = "";
    var count = 0;
    Object.keys(chats).forEach(function (id) {
      var chat = chats[id];
      if (chat.watching) { return; }
      count += 1;
      var li = el("li", "cd-mine-item" + (parseInt(id, 10) === current ? " is-current" : ""));
      var button = el("button", "cd-pick", chat.summary.name);
      button.type = "button";
      button.setAttribute("aria-pressed", parseInt(id, 10) === current ? "true" : "false");
      button.addEventListener("click", function () { select(parseInt(id, 10)); });
      li.appendChild(button);
      if (chat.unread) { li.appendChild(el("span", "cd-unread", String(chat.unread))); }
      mineEl.appendChild(li);
    });
    document.getElementById("cd-count").textContent = count;
  }
  function setState(chat, state, agent) {
    var chip = chat.pane.querySelector(".cd-state");
    chip.textContent = state === "ended" ? L.ended : state;
    chat.state = state;
    var mine = !chat.watching;
    var ended = state === "ended";
    chat.pane.querySelector(".cd-end").hidden = ended;
    var whisper = chat.pane.querySelector(".cd-whisper");
    if (chat.watching) { whisper.checked = true; whisper.disabled = true; }
    chat.pane.querySelector(".cd-input").disabled = ended && mine;
    chat.pane.querySelector(".cd-transfer").hidden = ended;
  }
  function eventText(entry) {
    var d = entry.data || {};
    switch (entry.event) {
      case "joined": return fmt(L.joined, d);
      case "agent_left": return fmt(L.agent_left, d);
      case "transfer": return fmt(L.transfer, d);
      case "ended": return L.ended_event;
      case "transcript_sent": return L.transcript_sent;
      default: return entry.event || "";
    }
  }
  function apply(chat, entry) {
    if (entry.seq <= chat.lastSeq) { return; }
    if (entry.prev > chat.lastSeq) {
      if (!chat.resuming) { chat.resuming = true; send({ type: "resume", conv: chat.summary.conv, last_seq: chat.lastSeq }); }
      return;
    }
    var log = chat.pane.querySelector(".cd-log");
    var li;
    if (entry.kind === "event") {
      li = el("li", "tl-event cd-event", eventText(entry));
    } else {
      var kind = entry.kind === "whisper" ? "tl-note" : entry.from === "agent" ? "tl-outbound" : "tl-inbound";
      li = el("li", "tl-message cd-msg " + kind);
      li.setAttribute("data-seq", entry.seq);
      li.setAttribute("data-from", entry.from);
      var head = el("div", "msg-head");
      head.appendChild(el("span", "msg-author", entry.name || (entry.from === "agent" ? L.you : "")));
      if (entry.kind === "whisper") { head.appendChild(el("span", "msg-kind", L.whisper)); }
      var time = el("time", "muted small", new Date(entry.at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }));
      head.appendChild(time);
      li.appendChild(head);
      li.appendChild(el("div", "msg-body cd-body", entry.body));
      (entry.files || []).forEach(function (f) {
        var a = el("a", "cd-file", "📎 " + f.name);
        a.href = f.url;
        li.appendChild(a);
      });
      li.appendChild(el("span", "cd-receipt small muted"));
    }
    log.appendChild(li);
    chat.lastSeq = entry.seq;
    if (entry.from === "player") {
      chat.pane.querySelector(".cd-typing").textContent = "";
      if (current !== chat.summary.conv) { chat.unread = (chat.unread || 0) + 1; refreshLists(); }
    }
  }
  function afterApply(chat) {
    var log = chat.pane.querySelector(".cd-log");
    log.scrollTop = log.scrollHeight;
    receipts(chat);
    markRead(chat);
  }
  function receipts(chat) {
    Array.prototype.forEach.call(chat.pane.querySelectorAll(".cd-msg[data-from=agent]"), function (li) {
      var seq = parseInt(li.getAttribute("data-seq"), 10);
      var receipt = li.querySelector(".cd-receipt");
      if (receipt) { receipt.textContent = seq <= chat.playerRead ? L.read : ""; }
    });
  }
  var readSent = {};
  function markRead(chat) {
    if (chat.watching || document.hidden || current !== chat.summary.conv) { return; }
    chat.unread = 0;
    if ((readSent[chat.summary.conv] || 0) < chat.lastSeq) {
      readSent[chat.summary.conv] = chat.lastSeq;
      send({ type: "read", conv: chat.summary.conv, seq: chat.lastSeq });
    }
  }
  function showTyping(chat) {
    var line = chat.pane.querySelector(".cd-typing");
    line.textContent = L.typing;
    clearTimeout(chat.typingTimer);
    chat.typingTimer = setTimeout(function () { line.textContent = ""; }, 5000);
  }

  function wirePane(chat) {
    var pane = chat.pane;
    var conv = chat.summary.conv;
    var form = pane.querySelector(".cd-composer");
    var input = pane.querySelector(".cd-input");
    var whisper = pane.querySelector(".cd-whisper");
    var lastTyping = 0;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = input.value.trim();
      if (!text) { return; }
      var frame = { type: whisper.checked ? "whisper" : "msg", conv: conv, cid: cid(), body: text };
      outbox.push(frame); saveOutbox();
      send(frame);
      input.value = "";
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
    });
    input.addEventListener("input", function () {
      var now = Date.now();
      if (!whisper.checked && now - lastTyping > 2500) { lastTyping = now; send({ type: "typing", conv: conv, on: true }); }
    });
    pane.querySelector(".cd-macro").addEventListener("change", function (event) {
      var id = event.target.value;
      event.target.value = "";
      if (!id) { return; }
      fetch("/desk/t/" + encodeURIComponent(chat.summary.reference) + "/macros/" + id + "/", { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.text() : ""; })
        .then(function (text) { if (text) { input.value = input.value ? input.value + "\n" + text : text; input.focus(); } });
    });
    pane.querySelector(".cd-end").addEventListener("click", function () { send({ type: "end", conv: conv }); });
    pane.querySelector(".cd-transfer-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var agentId = parseInt(pane.querySelector(".cd-to-agent").value || "0", 10);
      var teamId = parseInt(pane.querySelector(".cd-to-team").value || "0", 10);
      var frame = { type: "transfer", conv: conv, note: pane.querySelector(".cd-note").value };
      if (agentId) { frame.agent = agentId; }
      if (teamId) { frame.team = teamId; }
      send(frame);
    });
  }
  document.addEventListener("visibilitychange", function () { if (current && chats[current]) { markRead(chats[current]); } });

  connect();
}());
