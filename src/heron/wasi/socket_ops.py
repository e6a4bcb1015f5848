"""sock_accept, sock_recv, sock_send, sock_shutdown over host sockets.

Preview1 cannot create sockets: a program only has those the embedder preopened
(WasiConfig.preopen_socket, `heron run --tcplisten`) and those sock_accept returns. Any
other descriptor is ENOTSOCK (EBADF when there is none).
"""
from __future__ import annotations

import socket
from typing import TYPE_CHECKING

from .descriptors import SocketDescriptor
from .errno import Errno, WasiError
from .flags import Fdflags, Riflags, Rights, Roflags, Sdflags
from .memory import GuestMemory, iov_total

if TYPE_CHECKING:
    from .context import WasiContext


_SHUTDOWN = {int(Sdflags.RD): socket.SHUT_RD, int(Sdflags.WR): socket.SHUT_WR,
             int(Sdflags.RD | Sdflags.WR): socket.SHUT_RDWR}


def _socket(ctx: WasiContext, fd: int) -> SocketDescriptor:
    return ctx.fds.get_as(fd, SocketDescriptor, Errno.NOTSOCK)


def sock_accept(ctx: WasiContext, mem: GuestMemory, fd: int, flags: int, out: int) -> None:
    desc = _socket(ctx, fd)
    desc.require(Rights.SOCK_ACCEPT)
    if flags & ~int(Fdflags.NONBLOCK):
        raise WasiError(Errno.INVAL)
    mem.check(out, 4)
    conn, _ = desc.sock.accept()
    conn.setblocking(not flags & Fdflags.NONBLOCK)
    try:
        number = ctx.fds.add(SocketDescriptor(conn))
    except BaseException:
        conn.close()
        raise
    mem.set_u32(out, number)


def sock_recv(ctx: WasiContext, mem: GuestMemory, fd: int, iovs: int, iovs_len: int, ri_flags: int,
              ro_datalen: int, ro_flags: int) -> None:
    desc = _socket(ctx, fd)
    desc.require(Rights.FD_READ)
    if ri_flags & ~int(Riflags.RECV_PEEK | Riflags.RECV_WAITALL):
        raise WasiError(Errno.INVAL)
    iov = mem.iovecs(iovs, iovs_len)
    mem.check(ro_datalen, 4)
    mem.check(ro_flags, 2)
    size = iov_total(iov)
    host_flags = (socket.MSG_PEEK if ri_flags & Riflags.RECV_PEEK else 0) | \
        (getattr(socket, "MSG_WAITALL", 0) if ri_flags & Riflags.RECV_WAITALL else 0)
    truncated = 0
    if not size:
        data = b""
    elif hasattr(desc.sock, "recvmsg"):
        data, _, msg_flags, _ = desc.sock.recvmsg(size, 0, host_flags)
        if msg_flags & getattr(socket, "MSG_TRUNC", 0):          # a datagram longer than the buffers
            truncated = int(Roflags.RECV_DATA_TRUNCATED)
    else:
        data = desc.sock.recv(size, host_flags)
    mem.scatter(iov, data)
    mem.set_u32(ro_datalen, len(data))
    mem.set_u16(ro_flags, truncated)


def sock_send(ctx: WasiContext, mem: GuestMemory, fd: int, iovs: int, iovs_len: int, si_flags: int, so_datalen: int) -> None:
    desc = _socket(ctx, fd)
    desc.require(Rights.FD_WRITE)
    if si_flags:
        raise WasiError(Errno.INVAL)          # no siflags are defined
    data = mem.gather(mem.iovecs(iovs, iovs_len))
    mem.check(so_datalen, 4)
    mem.set_u32(so_datalen, desc.sock.send(data) if data else 0)


def sock_shutdown(ctx: WasiContext, mem: GuestMemory, fd: int, how: int) -> None:
    desc = _socket(ctx, fd)
    desc.require(Rights.SOCK_SHUTDOWN)
    host_how = _SHUTDOWN.get(how)
    if host_how is None:
        raise WasiError(Errno.INVAL)
    desc.sock.shutdown(host_how)


FUNCTIONS = {"sock_accept": sock_accept, "sock_recv": sock_recv, "sock_send": sock_send,
             "sock_shutdown": sock_shutdown}
