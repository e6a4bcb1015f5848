"""poll_oneoff (clocks, stream and file readiness, per-subscription errors) and the socket
functions over sockets handed in with WasiConfig.preopen_socket."""
from __future__ import annotations

import os
import socket
import struct
import sys
import threading
import time
from pathlib import Path

import pytest

import heron
from heron.wasi import Errno
from heron.wasi.flags import Eventrwflags, Filetype

sys.path.insert(0, str(Path(__file__).resolve().parent))
from wasi_probe import Probe  # noqa: E402

SUB = 48
EVENT = struct.Struct("<QHBxxxxxQHxxxxxx")


def clock_sub(userdata: int, timeout_ns: int, clock: int = 1, abstime: bool = False) -> bytes:
    return struct.pack("<QB7xIxxxxQQH6x", userdata, 0, clock, timeout_ns, 0, 1 if abstime else 0)


def fd_sub(userdata: int, fd: int, write: bool = False) -> bytes:
    return struct.pack("<QB7xI28x", userdata, 2 if write else 1, fd)


def poll(p: Probe, subs: list[bytes]) -> tuple[int, list[tuple]]:
    p.write(p.BUF, b"".join(subs))
    err = p.poll_oneoff(p.BUF, p.IOV, len(subs), p.OUT)
    if err:
        return err, []
    return 0, [EVENT.unpack(p.read(p.IOV + 32 * k, 32)) for k in range(p.u32(p.OUT))]


def test_layouts():
    assert len(clock_sub(0, 0)) == SUB and len(fd_sub(0, 0)) == SUB


def test_relative_clock_sleeps():
    p = Probe()
    start = time.monotonic()
    err, events = poll(p, [clock_sub(7, 30_000_000)])
    assert err == 0 and events == [(7, 0, 0, 0, 0)]
    assert time.monotonic() - start >= 0.029


def test_absolute_clock_in_the_past_fires_at_once():
    p = Probe()
    start = time.monotonic()
    assert poll(p, [clock_sub(1, 1, clock=0, abstime=True)]) == (0, [(1, 0, 0, 0, 0)])
    assert time.monotonic() - start < 0.5


def test_earliest_clock_fires_first():
    p = Probe()
    err, events = poll(p, [clock_sub(1, 2_000_000_000), clock_sub(2, 1_000_000)])
    assert err == 0 and [e[0] for e in events] == [2]


def test_ready_fds_and_errors_per_subscription(tmp_path):
    (tmp_path / "f").write_bytes(b"12345")
    c = heron.WasiConfig()
    c.stdin_bytes = b"input"
    c.preopen_dir(tmp_path, "/")
    p = Probe(c)
    err, fd = p.open("f")
    start = time.monotonic()
    err, events = poll(p, [fd_sub(1, 0), fd_sub(2, 1, write=True), fd_sub(3, fd), fd_sub(4, 99),
                           fd_sub(5, 1), clock_sub(6, 5_000_000_000)])
    assert time.monotonic() - start < 1                     # ready ones do not wait for the clock
    assert err == 0
    by_user = {e[0]: e for e in events}
    assert by_user[1][1:4] == (0, 1, 1)                     # stdin (bytes) readable
    assert by_user[2][1:3] == (0, 2)                        # stdout writable
    assert by_user[3][1:4] == (0, 1, 5)                     # a file: 5 bytes left
    assert by_user[4][1] == Errno.BADF                      # no such fd: an event with the error
    assert by_user[5][1] == Errno.BADF                      # stdout is not readable
    assert 6 not in by_user
    p.read_fd(fd, 5)
    err, events = poll(p, [fd_sub(3, fd)])
    assert events[0][3:5] == (0, Eventrwflags.FD_READWRITE_HANGUP)   # at the end of the file


def test_a_file_or_dev_null_is_always_ready(tmp_path):
    c = heron.WasiConfig()
    c.stdout_file = tmp_path / "out"               # epoll cannot wait on a regular file
    c.stderr_file = "/dev/null"                    # nor on /dev/null
    p = Probe(c)
    start = time.monotonic()
    err, events = poll(p, [fd_sub(1, 1, write=True), fd_sub(2, 2, write=True), clock_sub(3, 5_000_000_000)])
    assert err == 0 and sorted(e[0] for e in events) == [1, 2]
    assert time.monotonic() - start < 1


def test_host_pipe_is_waited_on(tmp_path):
    read_end, write_end = os.pipe()
    try:
        c = heron.WasiConfig()
        c._stdin = heron.wasi.streams.HostInput(read_end)
        p = Probe(c)
        err, events = poll(p, [fd_sub(1, 0), clock_sub(2, 20_000_000)])
        assert (err, [e[0] for e in events]) == (0, [2])     # nothing to read: the clock fires
        threading.Timer(0.05, lambda: os.write(write_end, b"x")).start()
        err, events = poll(p, [fd_sub(1, 0), clock_sub(2, 5_000_000_000)])
        assert (err, [e[0] for e in events]) == (0, [1])
    finally:
        os.close(read_end)
        os.close(write_end)


def test_poll_argument_errors():
    p = Probe()
    assert p.poll_oneoff(p.BUF, p.IOV, 0, p.OUT) == Errno.INVAL
    p.write(p.BUF, struct.pack("<QB", 1, 9) + bytes(39))
    assert p.poll_oneoff(p.BUF, p.IOV, 1, p.OUT) == Errno.INVAL          # no such event type
    assert p.poll_oneoff(2 * 65536 - 40, p.IOV, 1, p.OUT) == Errno.FAULT
    err, events = poll(p, [clock_sub(9, 0, clock=7)])
    assert events[0][:2] == (9, Errno.INVAL)                             # no such clock


# ---------------------------------------------------------------------- sockets
def test_socket_functions_on_non_sockets():
    p = Probe()
    assert p.sock_shutdown(1, 1) == Errno.NOTSOCK
    assert p.sock_shutdown(3, 1) == Errno.BADF
    assert p.sock_accept(0, 0, p.OUT) == Errno.NOTSOCK
    assert p.sock_send(1, 0, 0, 0, p.OUT) == Errno.NOTSOCK
    assert p.sock_recv(0, 0, 0, 0, p.OUT, p.OUT + 4) == Errno.NOTSOCK


def test_accept_recv_send_shutdown():
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    c = heron.WasiConfig()
    c.preopen_socket(listener)
    p = Probe(c)
    assert p.fd_fdstat_get(3, p.OUT) == 0 and p.read(p.OUT, 1)[0] == Filetype.SOCKET_STREAM
    received = []

    def client():
        with socket.create_connection(("127.0.0.1", port)) as s:
            s.sendall(b"ping")
            received.append(s.recv(100))
            received.append(s.recv(100))

    thread = threading.Thread(target=client)
    thread.start()
    assert p.sock_accept(3, 0, p.OUT) == 0
    conn = p.u32(p.OUT)
    assert conn == 4
    iov, n, bufs = p.read_iovecs([2, 10])
    assert p.sock_recv(conn, iov, n, 0, p.OUT, p.OUT + 4) == 0
    got = p.u32(p.OUT)
    data = (p.read(bufs[0][0], 2) + p.read(bufs[1][0], 10))[:got]
    assert b"ping".startswith(data) and got > 0
    iov, n = p.iovecs([b"po", b"ng"])
    assert p.sock_send(conn, iov, n, 0, p.OUT) == 0 and p.u32(p.OUT) == 4
    assert p.sock_send(conn, iov, n, 1, p.OUT) == Errno.INVAL
    assert p.sock_shutdown(conn, 2) == 0                       # WR: the client sees the end
    thread.join(5)
    assert received == [b"pong", b""]
    assert p.sock_shutdown(conn, 4) == Errno.INVAL
    assert p.fd_close(conn) == 0
    p.close()
    listener.close()


def test_sock_accept_is_not_in_wasi_unstable():
    from heron.wasi import functions
    assert "sock_accept" not in functions("wasi_unstable")
    engine = heron.Engine()
    module = heron.Module(engine, '(module (import "wasi_unstable" "sock_accept" '
                                  '(func (param i32 i32 i32) (result i32))))')
    store = heron.Store(engine)
    store.set_wasi(heron.WasiConfig())
    linker = heron.Linker(engine)
    linker.define_wasi()
    with pytest.raises(heron.LinkError, match="wasi_unstable::sock_accept"):
        linker.instantiate(store, module)
