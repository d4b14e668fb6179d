"""Drives the interop fixture with python-socketio, a client in another
language than the official one (Debian's python3-socketio 5.7, its own
Engine.IO v4 implementation over requests and websocket-client).

Usage: client.py URL TRANSPORTS BURST

TRANSPORTS is "polling", "websocket" or "polling,websocket" (the upgrade).
Each check prints one JSON line {"check": name, "ok": bool, ...}; the Node
test (python.test.mjs) asserts them. The script exits 0 once every check
has run, whatever they found, and non-zero only when it could not run.
"""

import json
import sys
import threading

import socketio

TIMEOUT = 15


def report(check, ok, **extra):
    print(json.dumps({"check": check, "ok": bool(ok), **extra}), flush=True)


class Inbox:
    """Collects the arguments of server events, to wait for them."""

    def __init__(self):
        self.cond = threading.Condition()
        self.items = {}

    def put(self, event, args):
        with self.cond:
            self.items.setdefault(event, []).append(args)
            self.cond.notify_all()

    def take(self, event, timeout=TIMEOUT):
        with self.cond:
            ok = self.cond.wait_for(lambda: self.items.get(event), timeout)
            return self.items[event].pop(0) if ok else None


def connect(url, transports):
    sio = socketio.Client(reconnection=False, handle_sigint=False)
    inbox = Inbox()
    for event in ("auth", "message-back", "room-message"):
        sio.on(event, lambda *args, event=event: inbox.put(event, list(args)))
    # The server asks; python-socketio acks with what the handler returns.
    sio.on("server-request", lambda *args: ("from-python",) + args)
    sio.connect(url, transports=transports, auth={"token": "py"}, wait_timeout=TIMEOUT)
    return sio, inbox


def check_auth(sio, inbox):
    got = inbox.take("auth")
    report("auth", got == [{"token": "py"}], got=got)


def check_ack(sio, inbox):
    value = {"a": 1, "b": [True, None, "x"], "c": {"d": "ü 😀"}}
    got = sio.call("message-with-ack", ("text", 42, value), timeout=TIMEOUT)
    report("ack", got == ("text", 42, value) or list(got or ()) == ["text", 42, value], got=repr(got))


def check_binary(sio, inbox):
    blob = bytes(range(256)) * 64
    sio.emit("message", ("bin", blob, {"nested": b"\x00\xff"}))
    got = inbox.take("message-back")
    ok = got is not None and got[0] == "bin" and got[1] == blob and got[2] == {"nested": b"\x00\xff"}
    report("binary", ok, size=len(got[1]) if got else None)


def check_rooms(sio, inbox):
    sio.call("join", "py-room", timeout=TIMEOUT)
    sio.emit("to-room", ("py-room", "hello room"))
    got = inbox.take("room-message")
    report("rooms", got == ["hello room"], got=got)


def check_server_ack(sio, inbox):
    got = sio.call("request-ack", (5000, "question"), timeout=TIMEOUT)
    ok = isinstance(got, dict) and got.get("ok") and got.get("args") == ["from-python", "question"]
    report("server-ack", ok, got=got)


def check_burst(sio, n):
    """Emits n events with acks in one loop, then waits for every ack."""
    done = threading.Event()
    got = []
    lock = threading.Lock()

    def on_ack(i):
        with lock:
            got.append(i)
            if len(got) == n:
                done.set()

    for i in range(n):
        sio.emit("message-with-ack", i, callback=on_ack)
    done.wait(TIMEOUT * 4)
    report("burst", got == list(range(n)), acked=len(got), expected=n, in_order=got == sorted(got))


def main():
    url, transports, burst = sys.argv[1], sys.argv[2].split(","), int(sys.argv[3])
    sio, inbox = connect(url, transports)
    try:
        check_auth(sio, inbox)
        check_ack(sio, inbox)
        check_binary(sio, inbox)
        check_rooms(sio, inbox)
        check_server_ack(sio, inbox)
        check_burst(sio, burst)
        report("transport", True, name=sio.transport())
    finally:
        sio.disconnect()


if __name__ == "__main__":
    main()
