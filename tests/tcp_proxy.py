"""A TCP proxy in front of Postgres that a test can cut: the database becomes unreachable for the
bot exactly as a network partition or a failover makes it, while Postgres itself keeps running."""

from __future__ import annotations

import contextlib
import socket
import threading
from typing import Literal

Mode = Literal["up", "refuse", "blackhole", "hold"]


class TcpProxy:
    """127.0.0.1:<port> → target. `cut("refuse")` closes every connection and each new one at once;
    `cut("blackhole")` accepts new connections and never answers (a dead host); `cut("hold")` keeps
    every connection open and holds the bytes in both directions, as a firewall DROP does (the peers
    see nothing; what was held is delivered when the network returns); `restore()` heals."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.mode: Mode = "up"
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self._lock = threading.Lock()
        self._open: list[socket.socket] = []
        self._closed = threading.Event()
        self._flowing = threading.Event()
        self._flowing.set()
        threading.Thread(target=self._accept, name="proxy-accept", daemon=True).start()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self.mode == "refuse":
                client.close()
                continue
            with self._lock:
                self._open.append(client)
            if self.mode == "blackhole":  # (in "hold" the connection is made and its bytes held)
                continue  # held open, never answered, closed on restore()
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)  # an idle pooled connection stays open, as through a real network
            with self._lock:
                self._open.append(upstream)
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                self._flowing.wait()  # held while the network is "down"
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)
                end.close()

    def _drop_all(self) -> None:
        with self._lock:
            sockets, self._open = self._open, []
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def cut(self, mode: Mode = "refuse") -> None:
        self.mode = mode
        if mode == "hold":
            self._flowing.clear()
            return
        self._drop_all()

    def restore(self) -> None:
        held, self.mode = self.mode == "hold", "up"
        if held:
            self._flowing.set()  # the held bytes go on, in order, on the same connections
            return
        self._drop_all()  # blackholed connections end; clients reconnect

    def close(self) -> None:
        self._closed.set()
        self._listener.close()
        self._drop_all()
