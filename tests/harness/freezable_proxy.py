"""A TCP proxy between the gateway and PostgreSQL that can freeze chosen connections: it stops forwarding in
both directions but keeps both sockets open, so the gateway sees what a hung server or a half-open network
path looks like (its bytes are acknowledged, no answer ever comes, no FIN, no RST). Connections are chosen by
a marker in the bytes the client sent (the startup packet's application_name), so the catalog connection can
be frozen while the replication connection, to the same DB_HOST:DB_PORT, keeps streaming.

A frozen connection still reads what the client sends (as a live kernel would acknowledge it) and holds it;
`wait_held` tells a test that the gateway has sent something into a frozen connection. On thaw the held
bytes are forwarded and forwarding resumes."""
import os
import select
import socket
import threading
import time


class _Link:
    def __init__(self, client, server):
        self.client = client
        self.server = server
        self.head = b""   # the first bytes the client sent, where the marker is looked for
        self.held = b""   # client bytes read while frozen, not yet forwarded
        self.wake_r, self.wake_w = os.pipe()


class FreezableProxy:
    HEAD_BYTES = 8192

    def __init__(self, target_host, target_port):
        self.target = (target_host, int(target_port))
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port = self._listener.getsockname()[1]
        self._cond = threading.Condition()
        self._links = []
        self._marker = None
        self._closed = False
        self.held_total = 0  # bytes ever held by frozen connections
        threading.Thread(target=self._accept, daemon=True).start()

    # ---- control ----
    def freeze(self, marker: bytes):
        """Freezes every connection, open or opened later, whose client bytes contain `marker`."""
        with self._cond:
            self._marker = marker
        self._wake_all()

    def thaw(self):
        with self._cond:
            self._marker = None
        self._wake_all()

    def wait_held(self, more_than=0, timeout=20.0):
        """Waits until frozen connections have held more than `more_than` bytes in total; returns the total."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self.held_total <= more_than:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no bytes reached a frozen connection within {timeout}s")
                self._cond.wait(left)
            return self.held_total

    def close(self):
        with self._cond:
            self._closed = True
        self._listener.close()
        self._wake_all()

    # ---- forwarding ----
    def _wake_all(self):
        # Under the lock: a link's pipe is closed under it too, so no write reaches a reused descriptor.
        with self._cond:
            for link in self._links:
                try:
                    os.write(link.wake_w, b"x")
                except OSError:
                    pass

    def _frozen(self, link):
        return self._marker is not None and self._marker in link.head

    def _accept(self):
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.target, timeout=10)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            link = _Link(client, server)
            with self._cond:
                self._links.append(link)
            threading.Thread(target=self._pump, args=(link,), daemon=True).start()

    def _pump(self, link):
        try:
            while True:
                with self._cond:
                    if self._closed:
                        return
                    frozen = self._frozen(link)
                    held, link.held = (b"", link.held) if frozen else (link.held, b"")
                if held:
                    link.server.sendall(held)
                # While frozen the server side is not read: nothing it says reaches the client.
                watch = [link.client, link.wake_r] + ([] if frozen else [link.server])
                ready, _, _ = select.select(watch, [], [])
                if link.wake_r in ready:
                    os.read(link.wake_r, 64)
                    continue
                if link.client in ready:
                    data = link.client.recv(65536)
                    if not data:
                        return
                    with self._cond:
                        if len(link.head) < self.HEAD_BYTES:
                            link.head += data[: self.HEAD_BYTES - len(link.head)]
                        if self._frozen(link):
                            link.held += data
                            self.held_total += len(data)
                            self._cond.notify_all()
                            continue
                    link.server.sendall(data)
                if link.server in ready:
                    data = link.server.recv(65536)
                    if not data:
                        return
                    link.client.sendall(data)
        except OSError:
            return
        finally:
            for s in (link.client, link.server):
                try:
                    s.close()
                except OSError:
                    pass
            with self._cond:
                if link in self._links:
                    self._links.remove(link)
                os.close(link.wake_r)
                os.close(link.wake_w)
