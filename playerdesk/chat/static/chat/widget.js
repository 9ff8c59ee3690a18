/* PlayerDesk live chat widget. One tag on the operator's page:
 *   <script src="https://desk.example/chat/widget.js" data-lang="fr" data-token="<signed player token>" defer></script>
 * data-lang: "en" or "fr" (default: the page's lang); data-token: the operator's signed token for a
 * logged-in player (omit for guests); data-transport="poll" forces long-polling; data-open="true" opens
 * the panel at load. No framework, no third-party code; everything renders inside a shadow root with the
 * stylesheet served next to this file, so the host page's CSS and ours never mix. */
(function () {
  "use strict";
  if (window.PlayerDeskChat) { return; }

  var script = document.currentScript || document.querySelector("script[src*='/chat/widget.js']");
  if (!script) { return; }
  var base = new URL(script.src, window.location.href);
  var ORIGIN = base.origin;
  var data = script.dataset || {};
  var pageLang = (data.lang || document.documentElement.lang || navigator.language || "en").toLowerCase();
  var LANG = pageLang.indexOf("fr") === 0 ? "fr" : "en";
  var token = data.token || "";
  var forcePoll = data.transport === "poll";
  var STORE_KEY = "playerdesk-chat:" + ORIGIN;

  var TEXT = {
    en: {
      launcher: "Chat with us", title: "Live chat", close: "Minimize chat", connecting: "Connecting…",
      reconnecting: "Connection lost. Reconnecting…", online: "We usually answer within minutes.",
      queued: "You are number {n} in line. Estimated wait: {wait}.", ringing: "Finding an agent for you…",
      waitSoon: "less than a minute", waitMin: "about {n} min",
      active: "You are chatting with {agent}.", ended: "This chat has ended.",
      reference: "Case {ref}", namePlaceholder: "Your name", name: "Name", email: "Email",
      message: "Message", start: "Start chat", send: "Send", typeHere: "Type your message…",
      attach: "Send a file or screenshot", transcript: "Email me the transcript", end: "End chat",
      newChat: "Start a new chat", typing: "{name} is typing…", agentFallback: "Support",
      read: "Read", sending: "Sending…", failed: "Not sent", you: "You",
      joined: "{agent} joined the chat.", left: "{agent} left. We are finding another agent for you.",
      transfer: "We are transferring you to {to}.", endedBy: "The chat has ended.",
      transcriptSent: "We are sending the transcript to {email}.",
      transcriptEvent: "Transcript sent by email.",
      offlineTitle: "Our agents are not available right now",
      offlineText: "Leave us a message: we will answer by email within {hours} hours.",
      offlineSend: "Send message", offlineDone: "Thank you. Your case reference is {ref}. We will answer by email within {hours} hours.",
      intro: "Hello! Tell us how we can help.", signedIn: "Signed in as {name}",
      guestNote: "You are chatting as a guest. For account questions, sign in first.",
      uploading: "Uploading {name}…", uploadFailed: "The file could not be sent.",
      required: "Please fill in every field.", privacy: "Chats are recorded on your support case."
    },
    fr: {
      launcher: "Clavarder avec nous", title: "Clavardage en direct", close: "Réduire le clavardage",
      connecting: "Connexion…", reconnecting: "Connexion perdue. Reconnexion…",
      online: "Nous répondons habituellement en quelques minutes.",
      queued: "Vous êtes le numéro {n} dans la file. Attente estimée : {wait}.",
      ringing: "Nous cherchons un agent pour vous…", waitSoon: "moins d’une minute", waitMin: "environ {n} min",
      active: "Vous clavardez avec {agent}.", ended: "Ce clavardage est terminé.",
      reference: "Dossier {ref}", namePlaceholder: "Votre nom", name: "Nom", email: "Courriel",
      message: "Message", start: "Commencer", send: "Envoyer", typeHere: "Écrivez votre message…",
      attach: "Envoyer un fichier ou une capture d’écran", transcript: "Recevoir la transcription par courriel",
      end: "Terminer", newChat: "Nouveau clavardage", typing: "{name} écrit…", agentFallback: "Soutien",
      read: "Lu", sending: "Envoi…", failed: "Non envoyé", you: "Vous",
      joined: "{agent} s’est joint à la conversation.",
      left: "{agent} est parti. Nous cherchons un autre agent pour vous.",
      transfer: "Nous vous transférons à {to}.", endedBy: "Le clavardage est terminé.",
      transcriptSent: "Nous envoyons la transcription à {email}.",
      transcriptEvent: "Transcription envoyée par courriel.",
      offlineTitle: "Nos agents ne sont pas disponibles pour le moment",
      offlineText: "Laissez-nous un message : nous vous répondrons par courriel d’ici {hours} heures.",
      offlineSend: "Envoyer le message",
      offlineDone: "Merci. Votre numéro de dossier est {ref}. Nous vous répondrons par courriel d’ici {hours} heures.",
      intro: "Bonjour! Dites-nous comment nous pouvons vous aider.", signedIn: "Connecté en tant que {name}",
      guestNote: "Vous clavardez en tant qu’invité. Pour les questions sur votre compte, connectez-vous d’abord.",
      uploading: "Envoi de {name}…", uploadFailed: "Le fichier n’a pas pu être envoyé.",
      required: "Veuillez remplir tous les champs.", privacy: "Les conversations sont conservées dans votre dossier."
    }
  };
  function t(key, params) {
    var text = (TEXT[LANG] && TEXT[LANG][key]) || TEXT.en[key] || key;
    Object.keys(params || {}).forEach(function (name) { text = text.split("{" + name + "}").join(String(params[name])); });
    return text;
  }

  /* ------------------------------------------------------------ storage (survives reloads) */
  function load() {
    try { return JSON.parse(window.localStorage.getItem(STORE_KEY) || "{}") || {}; } catch (e) { return {}; }
  }
  var stored = load();
  var state = {
    key: stored.key || "",
    outbox: Array.isArray(stored.outbox) ? stored.outbox : [],
    open: !!stored.open || data.open === "true",
    lastSeq: 0,
    identity: "anonymous",
    name: "",
    email: "",
    conv: null,
    reference: "",
    chatState: "",
    agent: "",
    agentRead: 0,
    staffed: true,
    hours: 24,
    offlineDone: false,
    resumeAsked: false,
    welcomed: false
  };
  function save() {
    try {
      window.localStorage.setItem(STORE_KEY, JSON.stringify({ key: state.key, outbox: state.outbox, open: state.open }));
    } catch (e) { /* private mode: the chat still works for this page */ }
  }
  function newCid() {
    var bytes = new Uint8Array(9);
    (window.crypto || window.msCrypto).getRandomValues(bytes);
    return "w" + Date.now().toString(36) + Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  /* ------------------------------------------------------------ DOM helpers */
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === "text") { node.textContent = attrs[name]; }
      else if (name === "className") { node.className = attrs[name]; }
      else if (attrs[name] === true) { node.setAttribute(name, ""); }
      else if (attrs[name] !== false && attrs[name] != null) { node.setAttribute(name, attrs[name]); }
    });
    (children || []).forEach(function (child) { if (child) { node.appendChild(child); } });
    return node;
  }

  var host = el("div", { id: "playerdesk-chat", lang: LANG });
  var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
  var frame = el("div", { className: "pd", hidden: true });
  var link = el("link", { rel: "stylesheet", href: ORIGIN + "/chat/widget.css" });
  link.addEventListener("load", function () { frame.hidden = false; });
  link.addEventListener("error", function () { frame.hidden = false; });
  root.appendChild(link);
  root.appendChild(frame);

  var launcher = el("button", { type: "button", className: "pd-launcher", "aria-expanded": "false", "aria-controls": "pd-panel" }, [
    el("span", { className: "pd-launcher-icon", "aria-hidden": "true" }),
    el("span", { text: t("launcher") })
  ]);
  var statusLine = el("p", { className: "pd-status", role: "status", "aria-live": "polite", text: t("connecting") });
  var refLine = el("p", { className: "pd-ref" });
  var closeBtn = el("button", { type: "button", className: "pd-icon-btn pd-close", "aria-label": t("close"), title: t("close") }, [el("span", { "aria-hidden": "true", text: "–" })]);
  var header = el("div", { className: "pd-head" }, [
    el("div", { className: "pd-head-text" }, [el("h2", { id: "pd-title", text: t("title") }), statusLine, refLine]),
    closeBtn
  ]);
  var alertBox = el("div", { className: "pd-alert", role: "alert", hidden: true });
  var log = el("ol", { className: "pd-log", role: "log", "aria-live": "polite", "aria-label": t("title") });
  var typingLine = el("p", { className: "pd-typing", "aria-live": "polite", hidden: true });

  // Intro form (first message; guests also give name and email).
  var nameInput = el("input", { id: "pd-name", type: "text", autocomplete: "name", maxlength: "120", required: true });
  var emailInput = el("input", { id: "pd-email", type: "email", autocomplete: "email", maxlength: "254", required: true });
  var guestFields = el("div", { className: "pd-guest" }, [
    el("label", { "for": "pd-name", text: t("name") }), nameInput,
    el("label", { "for": "pd-email", text: t("email") }), emailInput,
    el("p", { className: "pd-note", text: t("guestNote") })
  ]);
  var whoLine = el("p", { className: "pd-note pd-who", hidden: true });
  var introMessage = el("textarea", { id: "pd-first", rows: "3", maxlength: "4000", required: true });
  var introForm = el("form", { className: "pd-form pd-intro", novalidate: true }, [
    el("p", { className: "pd-lead", text: t("intro") }), whoLine, guestFields,
    el("label", { "for": "pd-first", text: t("message") }), introMessage,
    el("button", { type: "submit", className: "pd-btn pd-primary", text: t("start") }),
    el("p", { className: "pd-note", text: t("privacy") })
  ]);

  // Offline form (nobody can chat): opens an email case.
  var offName = el("input", { id: "pd-off-name", type: "text", autocomplete: "name", maxlength: "120", required: true });
  var offEmail = el("input", { id: "pd-off-email", type: "email", autocomplete: "email", maxlength: "254", required: true });
  var offMessage = el("textarea", { id: "pd-off-message", rows: "4", maxlength: "4000", required: true });
  var offText = el("p", { className: "pd-note" });
  var offDone = el("p", { className: "pd-done", role: "status", hidden: true });
  var offFields = el("div", {}, [
    el("label", { "for": "pd-off-name", text: t("name") }), offName,
    el("label", { "for": "pd-off-email", text: t("email") }), offEmail,
    el("label", { "for": "pd-off-message", text: t("message") }), offMessage,
    el("button", { type: "submit", className: "pd-btn pd-primary", text: t("offlineSend") })
  ]);
  var offlineForm = el("form", { className: "pd-form pd-offline", novalidate: true, hidden: true }, [
    el("h3", { text: t("offlineTitle") }), offText, offFields, offDone
  ]);

  // Composer (during the chat).
  var composerInput = el("textarea", { id: "pd-input", rows: "1", maxlength: "4000", placeholder: t("typeHere"), "aria-label": t("message") });
  var fileInput = el("input", { id: "pd-file", type: "file", className: "pd-file", accept: "image/*,application/pdf,text/plain", tabindex: "-1" });
  var attachBtn = el("button", { type: "button", className: "pd-icon-btn pd-attach", "aria-label": t("attach"), title: t("attach") }, [el("span", { className: "pd-clip", "aria-hidden": "true" })]);
  var sendBtn = el("button", { type: "submit", className: "pd-btn pd-primary pd-send", text: t("send") });
  var composer = el("form", { className: "pd-composer", hidden: true }, [attachBtn, fileInput, composerInput, sendBtn]);
  var transcriptBtn = el("button", { type: "button", className: "pd-link", text: t("transcript") });
  var endBtn = el("button", { type: "button", className: "pd-link", text: t("end") });
  var newBtn = el("button", { type: "button", className: "pd-btn", text: t("newChat"), hidden: true });
  var tools = el("div", { className: "pd-tools", hidden: true }, [transcriptBtn, endBtn]);

  var body = el("div", { className: "pd-body" }, [alertBox, introForm, offlineForm, log, typingLine, newBtn]);
  var panel = el("section", { id: "pd-panel", className: "pd-panel", role: "dialog", "aria-modal": "false", "aria-labelledby": "pd-title", hidden: true }, [
    header, body, composer, tools
  ]);
  frame.appendChild(panel);
  frame.appendChild(launcher);

  function showAlert(text) {
    alertBox.textContent = text || "";
    alertBox.hidden = !text;
  }

  /* ------------------------------------------------------------ rendering */
  var pending = {};   // cid -> list item of a message not stored yet
  var rendered = {};  // seq -> list item
  function fmtTime(iso) {
    try { return new Date(iso).toLocaleTimeString(LANG === "fr" ? "fr-CA" : "en-CA", { hour: "2-digit", minute: "2-digit" }); } catch (e) { return ""; }
  }
  function eventText(entry) {
    var d = entry.data || {};
    switch (entry.event) {
      case "joined": return t("joined", { agent: d.agent || t("agentFallback") });
      case "agent_left": return t("left", { agent: d.agent || t("agentFallback") });
      case "transfer": return t("transfer", { to: d.to || t("agentFallback") });
      case "ended": return t("endedBy");
      case "transcript_sent": return t("transcriptEvent");
      default: return "";
    }
  }
  function messageItem(who, name, text, files) {
    var mine = who === "player";
    var item = el("li", { className: "pd-msg " + (mine ? "pd-mine" : "pd-theirs") });
    item.appendChild(el("span", { className: "pd-who-label visually-hidden", text: (mine ? t("you") : name || t("agentFallback")) + ": " }));
    if (!mine) { item.appendChild(el("span", { className: "pd-author", "aria-hidden": "true", text: name || t("agentFallback") })); }
    item.appendChild(el("p", { className: "pd-text", text: text }));
    (files || []).forEach(function (f) { item.appendChild(el("p", { className: "pd-filechip", text: "📎 " + f.name })); });
    item.appendChild(el("span", { className: "pd-meta" }));
    return item;
  }
  function setMeta(item, text) {
    var meta = item.querySelector(".pd-meta");
    if (meta) { meta.textContent = text; }
  }
  function renderEntry(entry) {
    var item;
    if (entry.kind === "event") {
      var text = eventText(entry);
      if (!text) { return; }
      item = el("li", { className: "pd-event", text: text });
    } else {
      item = messageItem(entry.from, entry.name, entry.body, entry.files);
      item.setAttribute("data-seq", String(entry.seq));
      setMeta(item, fmtTime(entry.at));
    }
    if (entry.cid && pending[entry.cid]) {
      log.replaceChild(item, pending[entry.cid]);
      delete pending[entry.cid];
    } else {
      log.appendChild(item);
    }
    rendered[entry.seq] = item;
    if (entry.from === "agent") { typingLine.hidden = true; }
  }
  function showReceipts() {
    Array.prototype.forEach.call(log.querySelectorAll(".pd-mine[data-seq]"), function (item) {
      var seq = parseInt(item.getAttribute("data-seq"), 10);
      item.classList.toggle("pd-read", seq <= state.agentRead);
      if (seq <= state.agentRead) { setMeta(item, t("read")); }
    });
  }
  function scrollDown() { log.scrollTop = log.scrollHeight; body.scrollTop = body.scrollHeight; }

  function applyEntry(entry) {
    if (entry.seq <= state.lastSeq) { return; }
    if (entry.prev > state.lastSeq) {
      // Something is missing in between: ask for it (the reply brings this entry again).
      if (!state.resumeAsked) { state.resumeAsked = true; transport.send({ type: "resume", last_seq: state.lastSeq }); }
      return;
    }
    renderEntry(entry);
    state.lastSeq = entry.seq;
    dropFromOutbox(entry.cid);
  }
  function applyList(entries) {
    entries.forEach(applyEntry);
    showReceipts();
    scrollDown();
    markRead();
  }

  /* ------------------------------------------------------------ view state */
  function waitText(seconds) {
    if (seconds == null) { return ""; }
    var minutes = Math.round(seconds / 60);
    return minutes < 1 ? t("waitSoon") : t("waitMin", { n: minutes });
  }
  function refresh() {
    var inChat = !!state.conv && state.chatState !== "ended";
    var started = !!state.conv;
    var offline = !inChat && !state.staffed;
    introForm.hidden = started || offline || !state.welcomed;
    offlineForm.hidden = !offline || started;
    guestFields.hidden = state.identity !== "anonymous";
    whoLine.hidden = state.identity !== "player";
    whoLine.textContent = t("signedIn", { name: state.name });
    composer.hidden = !inChat;
    tools.hidden = !started;
    endBtn.hidden = !inChat;
    newBtn.hidden = !(started && state.chatState === "ended");
    refLine.textContent = state.reference ? t("reference", { ref: state.reference }) : "";
    offText.textContent = t("offlineText", { hours: state.hours });
    if (state.identity === "player") { offName.value = offName.value || state.name; offEmail.value = offEmail.value || state.email; }
  }
  function setStatus(text) { statusLine.textContent = text; }
  function applyState(frame) {
    if (state.conv && frame.conv !== state.conv) { return; }
    state.chatState = frame.state;
    if (frame.reference) { state.reference = frame.reference; }
    state.agent = frame.agent || "";
    if (typeof frame.agent_read === "number") { state.agentRead = Math.max(state.agentRead, frame.agent_read); }
    if (frame.state === "queued") { setStatus(t("queued", { n: frame.position || 1, wait: waitText(frame.wait) })); }
    else if (frame.state === "ringing") {
      setStatus(frame.position ? t("queued", { n: frame.position, wait: waitText(frame.wait) }) : t("ringing"));
    }
    else if (frame.state === "active") { setStatus(t("active", { agent: state.agent || t("agentFallback") })); }
    else if (frame.state === "ended") { setStatus(t("ended")); typingLine.hidden = true; }
    showReceipts();
    refresh();
  }

  /* ------------------------------------------------------------ frames from the desk */
  function onFrame(frame) {
    switch (frame.type) {
      case "welcome":
        state.welcomed = true;
        if (token) { token = ""; }  // a signed token works once; reconnections use the session key
        state.identity = frame.identity;
        state.name = frame.name || "";
        state.email = frame.email || "";
        state.staffed = !!frame.staffed;
        state.hours = frame.response_hours || 24;
        if (frame.key) { state.key = frame.key; save(); }
        if (frame.conv) { state.conv = frame.conv.id; state.reference = frame.conv.reference; }
        if (!frame.conv && !state.outbox.length) { state.conv = null; }
        showAlert("");
        setStatus(state.staffed ? t("online") : t("offlineTitle"));
        refresh();
        flushOutbox();
        break;
      case "session":
        state.key = frame.key; state.identity = "guest"; state.name = frame.name; state.email = frame.email;
        save();
        break;
      case "ack":
        if (frame.conv && state.conv !== frame.conv) {
          state.conv = frame.conv; state.reference = frame.reference || state.reference; state.lastSeq = Math.min(state.lastSeq, 0);
        }
        dropFromOutbox(frame.cid);
        if (pending[frame.cid]) { setMeta(pending[frame.cid], ""); }
        refresh();
        break;
      case "backlog":
        state.resumeAsked = false;
        applyList(frame.entries || []);
        break;
      case "resync":
        state.resumeAsked = false;
        Object.keys(rendered).forEach(function (seq) { var node = rendered[seq]; if (node.parentNode) { node.parentNode.removeChild(node); } });
        rendered = {};
        state.lastSeq = 0;
        applyList(frame.entries || []);
        break;
      case "entry":
        applyEntry(frame);
        showReceipts();
        scrollDown();
        markRead();
        break;
      case "state":
        applyState(frame);
        break;
      case "typing":
        typingLine.textContent = t("typing", { name: frame.name || state.agent || t("agentFallback") });
        typingLine.hidden = !frame.on;
        clearTimeout(onFrame.typingTimer);
        onFrame.typingTimer = setTimeout(function () { typingLine.hidden = true; }, 5000);
        break;
      case "read":
        if (frame.side === "agent") { state.agentRead = Math.max(state.agentRead, frame.seq); showReceipts(); }
        break;
      case "transcript":
        showNotice(t("transcriptSent", { email: frame.email || state.email }));
        break;
      case "offline_ok":
        offFields.hidden = true;
        offDone.hidden = false;
        offDone.textContent = t("offlineDone", { ref: frame.reference, hours: frame.hours });
        state.offlineDone = true;
        break;
      case "error":
        onError(frame);
        break;
      default:
        break;
    }
  }
  function showNotice(text) {
    log.appendChild(el("li", { className: "pd-event", text: text }));
    scrollDown();
  }
  function onError(frame) {
    if (frame.cid) {
      var item = pending[frame.cid];
      if (frame.retry) { setTimeout(flushOutbox, 3000); return; }
      dropFromOutbox(frame.cid);
      if (item) { item.classList.add("pd-failed"); setMeta(item, t("failed")); }
    }
    if (frame.code === "no_session") { state.key = ""; save(); }
    if (frame.fatal && (frame.code || "").indexOf("token") === 0) { token = ""; }
    showAlert(frame.message || "");
  }

  /* ------------------------------------------------------------ the outbox: resent until acknowledged */
  function dropFromOutbox(cid) {
    if (!cid) { return; }
    var before = state.outbox.length;
    state.outbox = state.outbox.filter(function (m) { return m.cid !== cid; });
    if (state.outbox.length !== before) { save(); }
  }
  function flushOutbox() {
    if (!state.welcomed) { return; }
    state.outbox.forEach(function (m) {
      var frame = { type: "msg", cid: m.cid, body: m.body };
      if (m.name) { frame.name = m.name; frame.email = m.email; }
      transport.send(frame);
    });
  }
  setInterval(function () { if (state.outbox.length && transport.ready()) { flushOutbox(); } }, 8000);

  function queueMessage(text, guest) {
    var m = { cid: newCid(), body: text };
    if (guest) { m.name = guest.name; m.email = guest.email; }
    state.outbox.push(m);
    save();
    var item = messageItem("player", "", text);
    setMeta(item, t("sending"));
    pending[m.cid] = item;
    log.appendChild(item);
    scrollDown();
    var frame = { type: "msg", cid: m.cid, body: m.body };
    if (guest) { frame.name = guest.name; frame.email = guest.email; }
    transport.send(frame);
  }

  /* ------------------------------------------------------------ transports */
  function WsTransport() {
    var ws = null, open = false, attempts = 0, failures = 0, pingTimer = null, deadTimer = null, closedByUs = false;
    var self = this;
    function url() { return ORIGIN.replace(/^http/, "ws") + "/ws/chat/"; }
    function hello() {
      var frame = { type: "hello", lang: LANG, last_seq: state.lastSeq };
      if (token) { frame.token = token; }
      if (state.key) { frame.key = state.key; }
      ws.send(JSON.stringify(frame));
    }
    function connect() {
      setStatus(attempts ? t("reconnecting") : t("connecting"));
      try { ws = new WebSocket(url()); } catch (e) { scheduleRetry(); return; }
      var opened = false;
      ws.onopen = function () { opened = true; open = true; attempts = 0; failures = 0; hello(); heartbeat(); };
      ws.onmessage = function (event) {
        clearTimeout(deadTimer);
        var frame;
        try { frame = JSON.parse(event.data); } catch (e) { return; }
        if (frame.type !== "pong") { onFrame(frame); }
      };
      ws.onclose = function () {
        open = false; clearInterval(pingTimer); clearTimeout(deadTimer);
        state.welcomed = false;
        if (!opened) { failures += 1; }
        if (closedByUs) { return; }
        if (failures >= 3 && self.onFail) { self.onFail(); return; }
        scheduleRetry();
      };
    }
    function scheduleRetry() {
      attempts += 1;
      setTimeout(connect, Math.min(10000, 300 * Math.pow(2, attempts)) + Math.random() * 300);
    }
    function heartbeat() {
      clearInterval(pingTimer);
      pingTimer = setInterval(function () {
        if (!open) { return; }
        ws.send(JSON.stringify({ type: "ping" }));
        clearTimeout(deadTimer);
        deadTimer = setTimeout(function () { try { ws.close(); } catch (e) { /* already closed */ } }, 10000);
      }, 20000);
    }
    this.start = connect;
    this.ready = function () { return open && state.welcomed; };
    this.send = function (frame) {
      if (!open) { return false; }
      if (frame.type !== "hello" && !state.welcomed) { return false; }
      ws.send(JSON.stringify(frame));
      return true;
    };
    this.stop = function () { closedByUs = true; if (ws) { ws.close(); } };
  }

  function PollTransport() {
    var running = false, failures = 0;
    function post(path, payload) {
      return fetch(ORIGIN + path, {
        method: "POST", mode: "cors", credentials: "omit",
        headers: { "Content-Type": "application/json" }, body: JSON.stringify(payload)
      }).then(function (response) { return response.json(); });
    }
    function deliver(frames) { (frames || []).forEach(function (f) { if (f.type !== "pong") { onFrame(f); } }); }
    function sendFrames(frames) {
      return post("/chat/lp/send/", { key: state.key, lang: LANG, frames: frames }).then(function (reply) { deliver(reply.frames); });
    }
    function poll() {
      if (!running) { return; }
      post("/chat/lp/poll/", { key: state.key, lang: LANG, after: state.lastSeq }).then(function (reply) {
        failures = 0;
        deliver(reply.frames);
        setTimeout(poll, reply.idle ? 3000 : 50);
      }).catch(function () {
        failures += 1;
        setStatus(t("reconnecting"));
        setTimeout(poll, Math.min(10000, 500 * Math.pow(2, failures)));
      });
    }
    this.start = function () {
      var frame = { type: "hello", lang: LANG, last_seq: state.lastSeq };
      if (token) { frame.token = token; }
      if (state.key) { frame.key = state.key; }
      sendFrames([frame]).then(function () { running = true; poll(); }).catch(function () {
        setStatus(t("reconnecting"));
        setTimeout(this.start.bind(this), 3000);
      }.bind(this));
    };
    this.ready = function () { return state.welcomed; };
    this.send = function (frame) {
      if (!state.welcomed && frame.type !== "hello") { return false; }
      sendFrames([frame]).catch(function () { /* the outbox resends messages */ });
      return true;
    };
    this.stop = function () { running = false; };
  }

  var transport;
  function startTransport() {
    if (forcePoll || typeof window.WebSocket === "undefined") {
      transport = new PollTransport();
    } else {
      transport = new WsTransport();
      transport.onFail = function () { transport = new PollTransport(); transport.start(); };
    }
    transport.start();
  }

  /* ------------------------------------------------------------ read receipts and typing */
  var readTimer = null, lastReadSent = 0, lastTyping = 0;
  function markRead() {
    if (panel.hidden || document.hidden || !state.conv) { return; }
    clearTimeout(readTimer);
    readTimer = setTimeout(function () {
      if (state.lastSeq > lastReadSent) { lastReadSent = state.lastSeq; transport.send({ type: "read", seq: state.lastSeq }); }
    }, 400);
  }
  document.addEventListener("visibilitychange", markRead);
  composerInput.addEventListener("input", function () {
    var now = Date.now();
    if (now - lastTyping > 2500 && composerInput.value) { lastTyping = now; transport.send({ type: "typing", on: true }); }
  });

  /* ------------------------------------------------------------ user actions */
  function setOpen(open) {
    state.open = open;
    save();
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", open ? "true" : "false");
    launcher.hidden = open;
    if (open) {
      var target = !composer.hidden ? composerInput : (!introForm.hidden ? (guestFields.hidden ? introMessage : nameInput) : closeBtn);
      setTimeout(function () { target.focus(); }, 0);
      markRead();
      scrollDown();
    } else {
      launcher.focus();
    }
  }
  launcher.addEventListener("click", function () { setOpen(true); });
  closeBtn.addEventListener("click", function () { setOpen(false); });
  panel.addEventListener("keydown", function (event) { if (event.key === "Escape") { setOpen(false); } });

  introForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = introMessage.value.trim();
    var guest = null;
    if (state.identity === "anonymous") {
      guest = { name: nameInput.value.trim(), email: emailInput.value.trim() };
      if (!guest.name || !guest.email || !emailInput.checkValidity()) { showAlert(t("required")); return; }
    }
    if (!text) { showAlert(t("required")); return; }
    showAlert("");
    introMessage.value = "";
    state.conv = state.conv || -1;  // started: the ack brings the real id
    state.chatState = "queued";
    refresh();
    queueMessage(text, guest);
    setTimeout(function () { composerInput.focus(); }, 0);
  });
  composer.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = composerInput.value.trim();
    if (!text) { return; }
    composerInput.value = "";
    queueMessage(text, null);
  });
  composerInput.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); composer.requestSubmit ? composer.requestSubmit() : composer.dispatchEvent(new Event("submit")); }
  });
  offlineForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var name = offName.value.trim(), email = offEmail.value.trim(), text = offMessage.value.trim();
    if (!name || !email || !text || !offEmail.checkValidity()) { showAlert(t("required")); return; }
    showAlert("");
    transport.send({ type: "offline", cid: newCid(), name: name, email: email, body: text });
  });
  transcriptBtn.addEventListener("click", function () { transport.send({ type: "transcript" }); });
  endBtn.addEventListener("click", function () { transport.send({ type: "end" }); });
  newBtn.addEventListener("click", function () {
    state.conv = null; state.reference = ""; state.chatState = ""; state.lastSeq = 0; state.agentRead = 0;
    while (log.firstChild) { log.removeChild(log.firstChild); }
    rendered = {}; pending = {};
    setStatus(state.staffed ? t("online") : t("offlineTitle"));
    refresh();
    introMessage.focus();
  });
  attachBtn.addEventListener("click", function () { fileInput.click(); });
  fileInput.addEventListener("change", function () {
    var file = fileInput.files && fileInput.files[0];
    if (!file || !state.key) { return; }
    var cid = newCid();
    var item = messageItem("player", "", t("uploading", { name: file.name }));
    pending[cid] = item;
    log.appendChild(item);
    scrollDown();
    var form = new FormData();
    form.append("key", state.key);
    form.append("lang", LANG);
    form.append("cid", cid);
    form.append("file", file, file.name);
    fetch(ORIGIN + "/chat/upload/", { method: "POST", mode: "cors", credentials: "omit", body: form })
      .then(function (response) { return response.json().then(function (json) { return { ok: response.ok, json: json }; }); })
      .then(function (result) {
        if (!result.ok) { item.classList.add("pd-failed"); setMeta(item, t("failed")); showAlert(result.json.message || t("uploadFailed")); }
      })
      .catch(function () { item.classList.add("pd-failed"); setMeta(item, t("failed")); showAlert(t("uploadFailed")); });
    fileInput.value = "";
  });

  /* ------------------------------------------------------------ start */
  function mount() {
    document.body.appendChild(host);
    refresh();
    startTransport();
    if (state.open) { setOpen(true); }
  }
  window.PlayerDeskChat = {
    open: function () { setOpen(true); },
    close: function () { setOpen(false); },
    state: function () { return { conv: state.conv, reference: state.reference, lastSeq: state.lastSeq, identity: state.identity, chatState: state.chatState, outbox: state.outbox.length }; }
  };
  if (document.body) { mount(); } else { document.addEventListener("DOMContentLoaded", mount); }
}());
