// Duplex chat: the browser side of the chat protocol (README.md, "Chat
// protocol"), on the official socket.io-client that the server serves
// beside its Socket.IO endpoint. Plain DOM, no framework. Every text that
// comes from the network goes through textContent, never innerHTML.
"use strict";

(() => {
  const PUBLIC = "public";
  const ACK_TIMEOUT = 10_000; // ms before a message without ack is shown as failed
  const TYPING_EVERY = 2_000; // ms between two typing events while typing
  const TYPING_SHOWN = 3_000; // ms a typing indicator stays without news
  const KEPT_ITEMS = 100; // messages per conversation kept across a reload

  const $ = (id) => document.getElementById(id);
  const el = (tag, props = {}, ...children) => {
    const node = Object.assign(document.createElement(tag), props);
    node.append(...children);
    return node;
  };

  const socketPath = document.querySelector('meta[name="socketio-path"]').content;

  /** All the page knows; render() draws it. */
  const state = {
    socket: null,
    me: null, // {id, name}
    welcomed: false, // a welcome arrived on the current connection
    everWelcomed: false, // ... on any connection: we are logged in
    users: new Map(), // id -> {id, name}
    knownRooms: new Set(), // the welcome's: the most active rooms
    foundRooms: null, // the rooms list-rooms found, when searching
    moreRooms: false, // the server has rooms not listed yet
    roomPrefix: "",
    roomCursor: "",
    joined: new Set(), // rooms we are in
    convs: new Map(), // key -> conversation
    current: PUBLIC,
    lastTyping: 0,
    outbox: [], // messages typed while offline: sent after the next welcome
  };

  // ---- conversations -------------------------------------------------------

  /** conv returns the conversation for key, creating it. */
  function conv(key, init) {
    let c = state.convs.get(key);
    if (!c) {
      c = { key, items: [], ids: new Set(), unread: 0, typing: new Map(), ...init };
      state.convs.set(key, c);
    }
    return c;
  }
  const roomKey = (room) => "room:" + room;
  const dmKey = (id) => "dm:" + id;
  const publicConv = () => conv(PUBLIC, { kind: "public", title: "Everyone" });
  const roomConv = (room) => conv(roomKey(room), { kind: "room", room, title: "# " + room });
  /**
   * dmConv returns the direct conversation with user, by id: a conversation
   * belongs to the person on the other end, never to a display name. When
   * they leave it ends (see endDirect), and whoever signs in with the same
   * name afterwards is someone else, with a new conversation.
   */
  function dmConv(user) {
    const c = conv(dmKey(user.id), { kind: "dm", to: user.id, peerName: user.name, title: "@ " + user.name });
    return c;
  }

  /**
   * peerOffline marks the direct conversation with a user who left: nothing
   * can be sent there until they are back. A user id stays with its person
   * (the server's session token brings it back after a reload or a
   * restart), so the conversation resumes when that id comes back online.
   */
  function peerOffline(u) {
    const c = state.convs.get(dmKey(u.id));
    if (!c || c.ended) return;
    c.ended = true;
    c.title = "@ " + u.name + " (offline)";
    notice(c, `${u.name} left: you can write here again when they are back. Someone who signs in later with the same name is another person.`, "ended");
    if (state.current === c.key) renderMessages();
  }

  /** peerOnline resumes the direct conversation with a user who is back. */
  function peerOnline(u) {
    const c = state.convs.get(dmKey(u.id));
    if (!c || !c.ended) return;
    c.ended = false;
    c.title = "@ " + u.name;
    notice(c, `${u.name} is back online.`);
    if (state.current === c.key) renderMessages();
  }

  /** label returns how the page shows a user: the name, with a part of the id when another user has the same one (another node of a cluster may let a name in twice). */
  function label(u) {
    const key = u.name.toLowerCase();
    let twins = 0;
    for (const o of state.users.values()) if (o.name.toLowerCase() === key) twins++;
    return twins > 1 ? `${u.name} #${u.id.slice(0, 4)}` : u.name;
  }

  /** addItem appends a message or notice to a conversation; messages with an id seen before are skipped. */
  function addItem(c, item) {
    if (item.id) {
      if (c.ids.has(item.id)) return;
      c.ids.add(item.id);
    }
    c.items.push(item);
    if (c.key !== state.current && item.kind === "message" && !item.mine) c.unread++;
    if (c.key === state.current) appendMessage(item);
    renderConversations();
    saveState();
  }

  function notice(c, text, cls = "") {
    addItem(c, { kind: "notice", text, cls });
  }

  function select(key) {
    publicConv();
    if (!state.convs.has(key)) key = PUBLIC;
    state.current = key;
    state.convs.get(key).unread = 0;
    saveState();
    $("app").classList.remove("drawer-open");
    $("menu").setAttribute("aria-expanded", "false");
    render();
    $("text").focus();
  }

  // ---- connection ----------------------------------------------------------

  /**
   * saveState keeps what a reload must find in this tab's sessionStorage:
   * who we are, our rooms and conversations with their last messages, the
   * open one. The session token, which the server gave in the first
   * welcome, is kept beside it: presented at each connection, it makes us
   * the same user (id, name, rooms) again. Nobody else has it.
   */
  function saveState() {
    if (!state.me) return;
    const convs = [...state.convs.values()].map((c) => ({
      key: c.key, kind: c.kind, title: c.title, room: c.room, to: c.to, peerName: c.peerName, ended: c.ended,
      items: c.items.filter((i) => i.kind === "message" && i.status !== "pending" && i.status !== "queued").slice(-KEPT_ITEMS)
        .map(({ node, ...item }) => item),
    }));
    sessionStorage.setItem("duplex-state", JSON.stringify({ me: state.me, current: state.current, joined: [...state.joined], convs }));
  }

  /** restoreState reads what saveState kept; it reports whether there was a signed-in user. */
  function restoreState() {
    try {
      const saved = JSON.parse(sessionStorage.getItem("duplex-state") || "null");
      if (!saved?.me || !sessionStorage.getItem("duplex-token")) return false;
      state.me = saved.me;
      state.joined = new Set(saved.joined);
      for (const c of saved.convs) {
        const ids = new Set(c.items.map((i) => i.id).filter(Boolean));
        state.convs.set(c.key, { ...c, ids, unread: 0, typing: new Map() });
      }
      state.current = state.convs.has(saved.current) ? saved.current : PUBLIC;
      return true;
    } catch {
      return false;
    }
  }

  function forgetSession() {
    sessionStorage.removeItem("duplex-token");
    sessionStorage.removeItem("duplex-state");
  }

  function login(name) {
    $("login-error").textContent = "";
    $("join").disabled = true;
    sessionStorage.setItem("duplex-name", name);
    // A function: each (re)connection presents the token of the moment.
    const auth = (cb) => cb({ name, token: sessionStorage.getItem("duplex-token") || undefined });
    const socket = io({ path: socketPath, auth, ackTimeout: ACK_TIMEOUT });
    state.socket = socket;

    socket.on("connect", () => setStatus("connected", "Connected"));
    socket.on("disconnect", (reason) => {
      state.welcomed = false;
      if (reason === "io client disconnect") return;
      if (socket.active) setStatus("reconnecting", "Reconnecting…");
      else setStatus("offline", "Disconnected by the server");
      if (state.everWelcomed) notice(publicConv(), "Connection lost: reconnecting…");
    });
    socket.io.on("reconnect_attempt", (n) => setStatus("reconnecting", `Reconnecting… (attempt ${n})`));
    socket.on("connect_error", (err) => {
      if (socket.active) {
        // A transport error: the client retries by itself.
        setStatus("reconnecting", "Reconnecting…");
        return;
      }
      // Refused by the server (a bad name): back to the login form.
      socket.close();
      forgetSession();
      const why = err.message || "connection refused";
      showLogin(why[0].toUpperCase() + why.slice(1));
    });

    socket.on("welcome", onWelcome);
    socket.on("user-joined", (u) => {
      state.users.set(u.id, u);
      notice(publicConv(), `${label(u)} joined`);
      peerOnline(u);
      renderUsers();
      renderConversations();
    });
    socket.on("user-left", (u) => {
      notice(publicConv(), `${label(u)} left`);
      state.users.delete(u.id);
      peerOffline(u);
      renderUsers();
      renderConversations();
    });
    socket.on("room-created", ({ room }) => {
      state.knownRooms.add(room);
      renderRooms();
    });
    socket.on("kicked", ({ reason }) => {
      // The server closes the connection: do not come back on our own.
      socket.close();
      forgetSession();
      const why = reason || "disconnected by the server";
      showLogin(why[0].toUpperCase() + why.slice(1));
    });
    socket.on("received-message", (m) => {
      const c = m.to ? dmConv(m.from) : m.room ? roomConv(m.room) : publicConv();
      clearTyping(c, m.from.id);
      addItem(c, fromServer(m));
    });
    socket.on("typing", onTyping);
  }

  function onWelcome(w) {
    const again = state.everWelcomed || state.me?.id === w.id;
    if (w.token) sessionStorage.setItem("duplex-token", w.token);
    state.me = { id: w.id, name: w.name };
    state.welcomed = state.everWelcomed = true;
    state.users = new Map(w.users.map((u) => [u.id, u]));
    state.knownRooms = new Set(w.rooms);
    state.moreRooms = Boolean(w.moreRooms);
    state.roomCursor = "";
    // Those we were talking to may have left, or come back, meanwhile.
    for (const c of state.convs.values()) {
      if (c.kind !== "dm") continue;
      const u = state.users.get(c.to) ?? { id: c.to, name: c.peerName };
      if (state.users.has(c.to)) peerOnline(u);
      else peerOffline(u);
    }
    $("login").hidden = true;
    $("app").hidden = false;
    $("me").replaceChildren("Signed in as ", el("strong", { textContent: w.name }));
    const others = w.users.length - 1;
    const who = others === 0 ? "nobody else is here yet" : others === 1 ? "1 other person is here" : `${others} other people are here`;
    if (again) notice(publicConv(), `Reconnected as ${w.name}: ${who}.`, "welcome");
    else notice(publicConv(), `Welcome, ${w.name}! ${who[0].toUpperCase() + who.slice(1)}.`, "welcome");
    // The server put us back in the rooms of our session (w.joined); a room
    // it does not know of (the session expired) is joined again. Both
    // answer with the history, which brings what we missed. Then what was
    // typed offline goes out, in order.
    const rejoins = [];
    for (const room of new Set([...w.joined, ...state.joined])) rejoins.push(joinRoom(room, false));
    Promise.all(rejoins).then(flushOutbox);
    render();
    $("text").focus();
  }

  function setStatus(s, text) {
    const node = $("status");
    node.dataset.state = s;
    node.textContent = text;
  }

  function showLogin(error) {
    state.socket = null;
    state.me = null;
    state.outbox = [];
    state.welcomed = state.everWelcomed = false;
    state.users.clear();
    state.joined.clear();
    state.convs.clear();
    state.current = PUBLIC;
    $("app").hidden = true;
    $("login").hidden = false;
    $("join").disabled = false;
    $("login-error").textContent = error || "";
    $("name").focus();
  }

  // ---- messages ------------------------------------------------------------

  function fromServer(m) {
    return { kind: "message", id: m.id, from: m.from, text: m.text, ts: m.ts, to: m.to, room: m.room, mine: m.from.id === state.me?.id, status: "received" };
  }

  function send(text) {
    const c = state.convs.get(state.current);
    if (c.ended) return;
    const payload = { text };
    if (c.kind === "room") payload.room = c.room;
    if (c.kind === "dm") payload.to = c.to;
    const item = { kind: "message", from: state.me, text, ts: Date.now(), mine: true, status: "pending", to: payload.to, room: payload.room };
    addItem(c, item);
    if (!state.welcomed) {
      // Offline: sent once the server has us back in our rooms.
      item.status = "queued";
      state.outbox.push({ c, item, payload });
      if (c.key === state.current && item.node) updateMessage(item);
      return;
    }
    emitMessage(c, item, payload);
    state.lastTyping = 0;
  }

  /** flushOutbox sends what was typed while offline, in order. */
  function flushOutbox() {
    if (!state.welcomed) return;
    const queued = state.outbox;
    state.outbox = [];
    for (const { c, item, payload } of queued) {
      setDelivery(c, item, "pending", "");
      emitMessage(c, item, payload);
    }
  }

  function emitMessage(c, item, payload) {
    state.socket.emit("message", payload, (err, ack) => {
      if (err) {
        setDelivery(c, item, "failed", "not delivered: no answer from the server");
      } else if (ack.error) {
        setDelivery(c, item, "failed", "not delivered: " + ack.error);
      } else {
        item.id = ack.id;
        item.ts = ack.ts;
        c.ids.add(ack.id);
        setDelivery(c, item, "delivered", "delivered");
      }
    });
  }

  function setDelivery(c, item, status, text) {
    item.status = status;
    item.ackText = text;
    if (c.key === state.current && item.node) updateMessage(item);
    saveState();
  }

  function onTyping(t) {
    if (t.to && !state.convs.has(dmKey(t.from.id)) && !state.users.has(t.from.id)) return;
    const c = t.to ? dmConv(t.from) : t.room ? roomConv(t.room) : publicConv();
    clearTimeout(c.typing.get(t.from.id)?.timer);
    const timer = setTimeout(() => clearTyping(c, t.from.id), TYPING_SHOWN);
    c.typing.set(t.from.id, { name: label(t.from), timer });
    if (c.key === state.current) renderTyping();
  }

  function clearTyping(c, id) {
    const t = c.typing.get(id);
    if (!t) return;
    clearTimeout(t.timer);
    c.typing.delete(id);
    if (c.key === state.current) renderTyping();
  }

  function typed() {
    const now = Date.now();
    if (!state.welcomed || now - state.lastTyping < TYPING_EVERY) return;
    state.lastTyping = now;
    const c = state.convs.get(state.current);
    if (c.ended) return;
    const payload = {};
    if (c.kind === "room") payload.room = c.room;
    if (c.kind === "dm") payload.to = c.to;
    state.socket.emit("typing", payload);
  }

  // ---- rooms ---------------------------------------------------------------

  /** joinRoom joins room and shows its history; the promise resolves once answered. */
  function joinRoom(room, open = true) {
    $("room-error").textContent = "";
    return new Promise((resolve) => state.socket.emit("join-room", room, (err, ack) => {
      resolve();
      if (err || ack.error) {
        $("room-error").textContent = err ? "The server did not answer." : ack.error;
        return;
      }
      state.joined.add(room);
      state.knownRooms.add(room);
      const c = roomConv(room);
      const fresh = ack.history.filter((m) => !c.ids.has(m.id));
      if (fresh.length > 0) notice(c, `${fresh.length} earlier message${fresh.length === 1 ? "" : "s"}`, "history");
      for (const m of fresh) addItem(c, fromServer(m));
      if (open) select(c.key);
      else render();
    }));
  }

  /** findRooms asks the server for rooms starting with prefix, a page at a time: the welcome lists only the most active ones. */
  function findRooms(prefix, after = "") {
    state.socket.emit("list-rooms", { prefix, after }, (err, ack) => {
      if (err || ack.error) {
        $("room-error").textContent = err ? "The server did not answer." : ack.error;
        return;
      }
      if (!after) state.foundRooms = new Set();
      for (const r of ack.rooms) state.foundRooms.add(r);
      state.roomPrefix = prefix;
      state.roomCursor = ack.next || "";
      state.moreRooms = Boolean(ack.next);
      renderRooms();
    });
  }

  function leaveRoom(room) {
    state.socket.emit("leave-room", room, () => {});
    state.joined.delete(room);
    state.convs.delete(roomKey(room));
    state.outbox = state.outbox.filter((o) => o.c.key !== roomKey(room));
    select(PUBLIC);
  }

  // ---- rendering -----------------------------------------------------------

  function render() {
    publicConv();
    renderConversations();
    renderRooms();
    renderUsers();
    renderMessages();
    renderTyping();
  }

  function listButton(label, { current = false, badge = 0, extra = null, onclick }) {
    const b = el("button", { type: "button", onclick }, el("span", { className: "label", textContent: label }));
    if (extra) b.append(extra);
    if (badge > 0) b.append(el("span", { className: "badge", textContent: String(badge) }));
    if (current) b.setAttribute("aria-current", "true");
    return el("li", {}, b);
  }

  function renderConversations() {
    const order = { public: 0, room: 1, dm: 2 };
    const convs = [...state.convs.values()].sort((a, b) => order[a.kind] - order[b.kind] || a.title.localeCompare(b.title));
    $("conversations").replaceChildren(
      ...convs.map((c) =>
        listButton(c.title, { current: c.key === state.current, badge: c.unread, onclick: () => select(c.key) }),
      ),
    );
  }

  function renderRooms() {
    const source = state.foundRooms ?? state.knownRooms;
    const rooms = [...source].filter((r) => !state.joined.has(r)).sort();
    const items = rooms.map((r) => listButton("# " + r, { onclick: () => joinRoom(r) }));
    if (items.length === 0) {
      const text = state.foundRooms ? "No other room starts with that." : "No other rooms yet: create one above.";
      items.push(el("li", { className: "empty", textContent: text }));
    }
    $("rooms").replaceChildren(...items);
    $("more-rooms").hidden = !state.moreRooms;
  }

  function renderUsers() {
    const users = [...state.users.values()].sort((a, b) => a.name.localeCompare(b.name));
    $("user-count").textContent = `(${users.length})`;
    $("users").replaceChildren(
      ...users.map((u) => {
        const mine = u.id === state.me?.id;
        const li = listButton(label(u), {
          current: state.current === dmKey(u.id),
          extra: mine ? el("span", { className: "me-tag", textContent: "you" }) : null,
          onclick: () => {
            if (!mine) select(dmConv(u).key);
          },
        });
        li.firstChild.prepend(el("span", { className: "dot" }));
        li.dataset.userId = u.id;
        if (!mine) li.firstChild.title = `Send a direct message to ${label(u)} (id ${u.id})`;
        return li;
      }),
    );
  }

  function renderMessages() {
    const c = state.convs.get(state.current);
    $("title").textContent = c.title;
    const subtitle = {
      public: "everyone online sees these messages",
      room: "only members of this room see these messages",
      dm: "a direct message: only the two of you see it",
    }[c.kind];
    $("subtitle").textContent = subtitle;
    $("leave-room").hidden = c.kind !== "room";
    $("text").placeholder = c.kind === "public" ? "Message everyone" : `Message ${c.title}`;
    if (c.ended) $("subtitle").textContent = "they are offline";
    $("app").classList.toggle("ended", Boolean(c.ended));
    $("text").disabled = $("send").disabled = Boolean(c.ended);
    if (c.ended) $("text").placeholder = "They are offline";
    const list = $("messages");
    list.replaceChildren();
    for (const item of c.items) appendMessage(item);
  }

  function appendMessage(item) {
    const list = $("messages");
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    list.append(item.kind === "notice" ? el("li", { className: "notice " + item.cls, textContent: item.text }) : messageNode(item));
    if (atBottom || item.mine) list.scrollTop = list.scrollHeight;
  }

  function messageNode(item) {
    const time = new Date(item.ts).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    const meta = el("div", { className: "meta" }, el("span", { className: "author", textContent: item.mine ? "You" : label(item.from) }), el("time", { textContent: time }));
    if (item.to && !item.mine) meta.append(" · direct");
    const node = el("li", { className: "msg" + (item.mine ? " mine" : "") + (item.to ? " direct" : "") }, meta, el("div", { className: "bubble", textContent: item.text }));
    if (item.mine) node.append(el("div", { className: "ack" }));
    item.node = node;
    updateMessage(item);
    return node;
  }

  function updateMessage(item) {
    const node = item.node;
    node.dataset.status = item.status;
    if (item.id) node.dataset.id = item.id;
    const ack = node.querySelector(".ack");
    if (!ack) return;
    ack.textContent = {
      queued: "◷ offline: sent when the connection is back",
      pending: "◷ sending…",
      delivered: "✓ delivered",
      received: "",
      failed: "✗ " + (item.ackText || "not delivered"),
    }[item.status];
  }

  function renderTyping() {
    const c = state.convs.get(state.current);
    const names = [...c.typing.values()].map((t) => t.name);
    $("typing").textContent =
      names.length === 0 ? "" : names.length === 1 ? `${names[0]} is typing…` : `${names.slice(0, -1).join(", ")} and ${names.at(-1)} are typing…`;
  }

  // ---- wiring --------------------------------------------------------------

  $("login-form").addEventListener("submit", (e) => {
    e.preventDefault();
    forgetSession(); // a new sign-in is a new user
    login($("name").value);
  });
  $("composer").addEventListener("submit", (e) => {
    e.preventDefault();
    const text = $("text").value;
    if (text.trim() === "" || !state.socket) return;
    $("text").value = "";
    send(text);
  });
  $("text").addEventListener("input", typed);
  $("room-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const room = $("room-name").value.trim();
    if (!room || !state.socket) return;
    $("room-name").value = "";
    joinRoom(room);
  });
  $("room-search-form").addEventListener("submit", (e) => {
    e.preventDefault();
    if (!state.socket) return;
    const prefix = $("room-search").value.trim();
    if (prefix === "") {
      state.foundRooms = null;
      state.moreRooms = false;
      renderRooms();
      return;
    }
    findRooms(prefix);
  });
  $("more-rooms").addEventListener("click", () => {
    if (!state.socket) return;
    // From the welcome's list, the most active rooms, to every room by name.
    if (state.foundRooms) findRooms(state.roomPrefix, state.roomCursor);
    else findRooms("");
  });
  $("leave-room").addEventListener("click", () => {
    const c = state.convs.get(state.current);
    if (c.kind === "room") leaveRoom(c.room);
  });
  $("logout").addEventListener("click", () => {
    const socket = state.socket;
    forgetSession();
    // The server forgets the session too, so that the token is no way back.
    if (socket?.connected) socket.timeout(2_000).emit("logout", () => socket.close());
    else socket?.close();
    showLogin("");
  });
  $("menu").addEventListener("click", () => {
    const open = $("app").classList.toggle("drawer-open");
    $("menu").setAttribute("aria-expanded", String(open));
  });

  if (typeof io !== "function") {
    $("login-error").textContent = "The socket.io client did not load: the server was built without it (run make build).";
    $("join").disabled = true;
  }
  $("name").value = sessionStorage.getItem("duplex-name") || "";
  // A reload: signed in as before, in the same rooms and conversations.
  if (typeof io === "function" && restoreState()) {
    $("login").hidden = true;
    $("app").hidden = false;
    render();
    login(state.me.name);
  }
})();
