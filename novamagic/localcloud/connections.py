"""The local cloud's HTTP server: werkzeug's threaded server, with its connections bounded.

Werkzeug gives every connection a thread and waits on it forever, so a classroom's silent
sockets (or one learner's loop) used to hold threads and descriptors until none were left and
every other request timed out. Here:

* every read and write of a connection times out after ``idle_timeout`` seconds
  (:data:`IDLE_TIMEOUT`): an idle keep-alive connection or a half-sent request is closed;
* at most ``max_connections`` (:data:`MAX_CONNECTIONS`, kept under the process's descriptor
  limit) are open at once. A newcomer at the cap takes the place of the connection idle the
  longest (one waiting for a request line); when every connection is busy it is answered
  503 with ``Retry-After`` and closed, by at most :data:`REFUSERS` short threads at a time;
* the TLS handshake (deferred to the connection's first read, see :mod:`.tls`) falls under
  the same timeout;
* what http.server refuses itself (a 414 request line, 431 headers, a malformed request line)
  gets a fault body in the shape of the face the path names, and is logged in one line;
* :meth:`CloudServer.close_connections` (called by ``LocalCloud.stop``) closes every open
  connection, so a stop returns promptly however many are held;
* connections are kept alive between requests (HTTP/1.1's persistent connections), which
  werkzeug's own server never does: it cannot tell where an unread request body ends. Here a
  body of up to :data:`KEEP_ALIVE_BODY` bytes with a Content-Length is read before the
  application runs, so the next request line is where the stream stands; any other request
  (a chunked body, a larger one, HTTP/1.0, ``Connection: close``) is answered as werkzeug does
  and its connection closed. A thousand boots then cost a thousand requests, not a thousand
  connections and threads.
"""

from __future__ import annotations

import errno
import io
import logging
import os
import resource
import socket
import ssl
import threading
import time
from bisect import bisect_right
from itertools import accumulate

from werkzeug.exceptions import InternalServerError
from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler

try:
    from werkzeug.serving import connection_dropped_errors
except ImportError:  # pragma: no cover - werkzeug moved it
    connection_dropped_errors = (ConnectionError, socket.timeout)

log = logging.getLogger("novamagic.localcloud")

__all__ = ["CloudServer", "CloudRequestHandler", "IDLE_TIMEOUT", "MAX_CONNECTIONS"]

#: Seconds a connection may keep the server waiting on one read or write (nginx: 60 s).
IDLE_TIMEOUT = 60.0
#: Connections open at once (fewer if the descriptor limit is low, see default_max_connections).
MAX_CONNECTIONS = 256
#: Descriptors kept free for everything else of the process (files, the client's own sockets).
FD_RESERVE = 64
#: Seconds a refused client is told to wait before it tries again.
RETRY_AFTER = 1
#: Threads answering refusals at once; past them a newcomer is closed without a word.
REFUSERS = 8
#: Buffers one sendmsg() takes at most (the kernel's IOV_MAX), and pieces of an answer
#: gathered before they are sent.
try:
    IOV_MAX = max(16, os.sysconf("SC_IOV_MAX"))
except (AttributeError, OSError, ValueError):  # pragma: no cover - not POSIX
    IOV_MAX = 16
GATHER = 1000
#: Seconds a refusal waits for the request's head (to answer in the shape of its face).
REFUSAL_READ = 1.0
#: Longest request line logged: a 10,000-name regex must not become a 64 KB log line.
LOGGED_LINE = 200
#: Largest request body read ahead so that its connection may serve the next request (the
#: application refuses bodies over its own cap, 114,688 bytes, with a 413).
KEEP_ALIVE_BODY = 1 << 20

_CONTROL = str.maketrans({c: f"\\x{c:02x}" for c in [*range(0x20), *range(0x7F, 0xA0)]})


def default_max_connections() -> int:
    """:data:`MAX_CONNECTIONS`, or fewer so that the open connections (each a descriptor here
    and, for an in-process client, one more there) stay under the soft descriptor limit."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return MAX_CONNECTIONS
    return max(8, min(MAX_CONNECTIONS, (soft - FD_RESERVE) // 2))


def _path_of(request_line: bytes) -> str:
    parts = request_line.split(b" ", 2)
    return parts[1].decode("latin-1") if len(parts) > 1 else "/"


def _shown(line: str) -> str:
    line = line.strip().translate(_CONTROL)
    if len(line) > LOGGED_LINE:
        return f"{line[:LOGGED_LINE]}... ({len(line)} characters)"
    return line


def _framed(parts: list) -> list:
    """``parts`` as HTTP/1.1 chunks."""
    return [f"{len(part):x}\r\n".encode() + part + b"\r\n" for part in parts]


class _Connections:
    """The open connections: each maps to when it began waiting for a request line (None:
    busy with a request). Only the connection threads and the accept loop touch it."""

    def __init__(self, limit: int):
        self.limit = limit
        self._lock = threading.Lock()
        self._open: dict[socket.socket, float | None] = {}

    def counts(self) -> tuple[int, int]:
        """(open, busy) connections now."""
        with self._lock:
            return len(self._open), sum(1 for since in self._open.values() if since is None)

    def admit(self, sock: socket.socket) -> bool:
        """Register ``sock``; at the cap, close the longest idle connection first. False when
        every open connection is busy."""
        with self._lock:
            if len(self._open) >= self.limit:
                idle = [(since, id(s), s) for s, since in self._open.items() if since is not None]
                if not idle:
                    return False
                victim = min(idle)[2]
                del self._open[victim]
                _wake(victim)  # its thread's read returns at once; the thread closes it
            self._open[sock] = time.monotonic()
            return True

    def mark(self, sock: socket.socket, idle: bool) -> None:
        with self._lock:
            if sock in self._open:
                self._open[sock] = time.monotonic() if idle else None

    def discard(self, sock: socket.socket) -> None:
        with self._lock:
            self._open.pop(sock, None)

    def close_all(self) -> None:
        with self._lock:
            held, self._open = list(self._open), {}
        for sock in held:
            _wake(sock)


def _wake(sock: socket.socket) -> None:
    """End a connection whose thread may be blocked reading it (shutdown wakes the read).
    The plain socket's shutdown: SSLSocket's would drop its TLS state under that thread."""
    try:
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass  # already gone


def _drain(sock: socket.socket) -> None:
    """Read what the client still sends (briefly, boundedly) before the close: closing with
    unread data resets the connection, and the reset can destroy the answer in flight."""
    try:
        sock.settimeout(REFUSAL_READ)
        for _ in range(16):
            if not sock.recv(65536):
                break
    except OSError:
        pass


class CloudRequestHandler(WSGIRequestHandler):
    """Werkzeug's handler with timeouts, idle/busy marks, fault-shaped refusals and quiet,
    one-line logs to ``novamagic.localcloud``."""

    server: CloudServer

    def setup(self) -> None:
        self.timeout = self.server.idle_timeout  # StreamRequestHandler applies it to the socket
        super().setup()
        try:  # answers go out at once: a kept-alive connection must not wait on Nagle's delay
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except (OSError, AttributeError):
            pass

    def handle_one_request(self) -> None:
        self.server.connections.mark(self.connection, idle=True)
        super().handle_one_request()

    def parse_request(self) -> bool:
        # A request line arrived: the connection is busy until its answer is sent.
        self.server.connections.mark(self.connection, idle=False)
        return super().parse_request()

    def _body_length(self) -> int | None:
        """How many body bytes to read ahead, or None to leave the request to werkzeug (which
        closes the connection after it): a chunked or unparsable body, one over
        KEEP_ALIVE_BODY, or a client that asked for the connection to close."""
        if self.close_connection or "Transfer-Encoding" in self.headers:
            return None
        text = self.headers.get("Content-Length")
        if text is None:
            return 0
        try:
            length = int(text.strip())
        except ValueError:
            return None
        return length if 0 <= length <= KEEP_ALIVE_BODY else None

    def run_wsgi(self) -> None:
        """werkzeug's ``run_wsgi`` (3.1), keeping the connection for the next request when the
        whole body was read ahead (see the module docstring) and the answer's end is known."""
        length = self._body_length()
        if length is None:
            super().run_wsgi()  # "Connection: close", the rest of the body drained
            return
        if self.headers.get("Expect", "").lower().strip(" \t") == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        body = self.rfile.read(length) if length else b""
        if len(body) < length:  # the client went away mid-body
            self.close_connection = True
            return
        self.environ = environ = self.make_environ()
        environ["wsgi.input"] = io.BytesIO(body)
        status_set: str | None = None
        headers_set: list[tuple[str, str]] | None = None
        status_sent: str | None = None
        chunked = False

        def write(data: bytes) -> None:
            write_parts([data] if data else [])

        def write_parts(parts: list) -> None:
            """Send ``parts`` (non-empty bytes), the head first if it has not gone yet."""
            nonlocal status_sent, chunked
            assert status_set is not None and headers_set is not None, "write() before headers"
            if status_sent is None:
                status_sent = status_set
                code_text, _, message = status_sent.partition(" ")
                code = int(code_text)
                self.send_response(code, message)
                keys = set()
                for key, value in headers_set:
                    self.send_header(key, value)
                    keys.add(key.lower())
                if not (
                    "content-length" in keys
                    or environ["REQUEST_METHOD"] == "HEAD"
                    or 100 <= code < 200
                    or code in (204, 304)
                ):
                    chunked = True
                    self.send_header("Transfer-Encoding", "chunked")
                if self.close_connection and "connection" not in keys:
                    self.send_header("Connection", "close")
                self._headers_buffer.append(b"\r\n")
                head = b"".join(self._headers_buffer)
                self._headers_buffer = []
                parts = [head, *_framed(parts)] if chunked else [head, *parts]
            elif chunked:
                parts = _framed(parts)
            if parts:  # the head and the body together: one packet for a small answer
                self._send_parts(parts)

        def start_response(status, headers, exc_info=None):
            nonlocal status_set, headers_set
            if exc_info:
                try:
                    if status_sent is not None:
                        raise exc_info[1].with_traceback(exc_info[2])
                finally:
                    exc_info = None
            elif headers_set:
                raise AssertionError("Headers already set")
            status_set, headers_set = status, headers
            return write

        def execute(app) -> None:
            answer = app(environ, start_response)
            try:
                # The answer's pieces go out together, up to GATHER at a time: a listing's page
                # is a thousand kept views, sent as they are rather than copied into one.
                if type(answer) is list:  # a body of pieces passed through (servers.py's page)
                    for start in range(0, len(answer), GATHER):
                        write_parts([data for data in answer[start : start + GATHER] if data])
                    answer = ()
                pending: list = []
                for data in answer:
                    if data:
                        pending.append(data)
                        if len(pending) >= GATHER:
                            write_parts(pending)
                            pending = []
                if pending or status_sent is None:
                    write_parts(pending)
                if chunked:
                    self.wfile.write(b"0\r\n\r\n")
            finally:
                if hasattr(answer, "close"):
                    answer.close()

        try:
            execute(self.server.app)
        except connection_dropped_errors as exc:
            self.close_connection = True
            self.connection_dropped(exc, environ)
        except Exception:
            if self.server.passthrough_errors:
                raise
            self.close_connection = True
            log.exception("error answering %s", _shown(self.requestline))
            if status_sent is None:  # nothing sent yet: a 500 instead
                status_set = headers_set = None
                try:
                    execute(InternalServerError())
                except Exception:
                    pass

    def _send_parts(self, parts: list) -> None:
        """Every byte of ``parts`` in order, gathered by sendmsg() from where they lie: a page of
        kept views is never copied into one 2 MB buffer (a fresh one each time costs more in
        page faults than the copy). TLS has no sendmsg: there they are joined."""
        sock = self.connection
        if len(parts) == 1 or isinstance(sock, ssl.SSLSocket) or not hasattr(sock, "sendmsg"):
            self.wfile.write(parts[0] if len(parts) == 1 else b"".join(parts))
            return
        while parts:
            batch = parts[:IOV_MAX]
            sent = sock.sendmsg(batch)
            ends = list(accumulate(map(len, batch)))  # where each piece ends in what was offered
            done = bisect_right(ends, sent)  # the pieces that went out whole
            whole = ends[done - 1] if done else 0  # their bytes
            del parts[:done]
            if done < len(batch) and sent > whole:
                # the kernel took part of a piece: the rest of it goes next
                parts[0] = memoryview(parts[0])[sent - whole :]

    def send_error(self, code: int, message: str | None = None, explain: str | None = None):
        """http.server's own refusals (414, 431, a bad request line) in the fault shape of the
        face the path names, instead of its HTML page."""
        code = int(code)
        short, long = self.responses.get(code, ("Error", ""))
        text = f"{message or short}: {explain or long}".rstrip(": ")
        if code == 414:
            text = (
                "Request-URI Too Long: the request line is over 65,536 bytes; ask for less in "
                "one URL (fewer names in a filter, or page through them)."
            )
        self.log_error("code %d, message %s", code, text)
        response = self.server.app.refusal(_path_of(self.raw_requestline or b""), code, text)
        body = response.get_data()
        self.send_response(code, short)
        for name, value in response.headers.items():
            if name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Connection", "close")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.close_connection = True
        if getattr(self, "command", "") != "HEAD" and code >= 200 and code not in (204, 304):
            self.wfile.write(body)
        self.wfile.flush()
        _drain(self.connection)

    def log_request(self, code="-", size="-") -> None:
        # Built from requestline alone: http.server refuses some requests (414, a bad request
        # line) before it sets command and path.
        line = self.requestline or (self.raw_requestline or b"").decode("latin-1")
        log.debug('%s "%s" %s', self.address_string(), _shown(line), code)

    def log_error(self, format: str, *args) -> None:
        # What the handler reports here is the client's doing (a refused request, a timeout).
        log.debug("%s: " + format, self.address_string(), *args)

    def log(self, type: str, message: str, *args) -> None:
        level = logging.WARNING if type == "error" else logging.DEBUG
        log.log(level, "%s: " + message, self.address_string(), *args)


class CloudServer(ThreadedWSGIServer):
    """werkzeug's ThreadedWSGIServer with bounded connections (see the module docstring)."""

    def __init__(
        self,
        host: str,
        port: int,
        app,
        ssl_context: ssl.SSLContext | None = None,
        max_connections: int | None = None,
        idle_timeout: float = IDLE_TIMEOUT,
    ):
        super().__init__(host, port, app, handler=CloudRequestHandler, ssl_context=ssl_context)
        self.idle_timeout = float(idle_timeout)
        limit = default_max_connections() if max_connections is None else int(max_connections)
        if limit < 1 or self.idle_timeout <= 0:
            raise ValueError("max_connections and idle_timeout must be positive")
        self.connections = _Connections(limit)
        self._refusers = threading.BoundedSemaphore(REFUSERS)

    def get_request(self):
        try:
            return super().get_request()
        except OSError as exc:
            if exc.errno in (errno.EMFILE, errno.ENFILE):
                time.sleep(0.05)  # out of descriptors: wait for one instead of spinning
            raise

    def process_request(self, request, client_address) -> None:
        if self.connections.admit(request):
            super().process_request(request, client_address)
        elif self._refusers.acquire(blocking=False):
            threading.Thread(target=self._refuse, args=(request,), daemon=True).start()
        else:
            self.shutdown_request(request)  # too busy even to say so

    def _refuse(self, request: socket.socket) -> None:
        """Answer 503 with Retry-After in the face's shape, having read the request's head (a
        close with unread data would reset the connection before the client reads the 503)."""
        try:
            request.settimeout(REFUSAL_READ)
            head = b""
            try:
                while b"\r\n\r\n" not in head and len(head) < 65536:
                    chunk = request.recv(65536)
                    if not chunk:
                        break
                    head += chunk
            except OSError:
                pass
            response = self.app.refusal(
                _path_of(head.split(b"\r\n", 1)[0]),
                503,
                f"The local cloud is answering as many connections as it serves at once "
                f"({self.connections.limit}); retry in {RETRY_AFTER} s.",
            )
            body = response.get_data()
            response.headers["Retry-After"] = str(RETRY_AFTER)
            response.headers["Connection"] = "close"
            response.headers["Content-Length"] = str(len(body))
            lines = [f"HTTP/1.1 {response.status}", *(f"{k}: {v}" for k, v in response.headers)]
            request.sendall("\r\n".join(lines).encode("latin-1") + b"\r\n\r\n" + body)
            _drain(request)
        except OSError:
            pass  # the client went away first
        finally:
            self.shutdown_request(request)
            self._refusers.release()

    def shutdown_request(self, request) -> None:
        self.connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """End every open connection (their threads notice at once and exit)."""
        self.connections.close_all()
