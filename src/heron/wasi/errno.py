"""WASI error numbers (witx `$errno`, the same in wasi_unstable and wasi_snapshot_preview1),
the exception WASI functions raise to return one, and the host-errno translation.

Every WASI function returns an errno; the implementations raise `WasiError(Errno.X)` and
the binding turns it into the return value, so a failure is never a Python exception
that reaches Wasm.
"""
from __future__ import annotations

import errno as host_errno
from enum import IntEnum

# witx order: the value of each errno is its position. Next to it, the host (POSIX) errno
# name it stands for; None where the host has none.
_ERRNOS: tuple[tuple[str, str | None], ...] = (
    ("SUCCESS", None), ("2BIG", "E2BIG"), ("ACCES", "EACCES"), ("ADDRINUSE", "EADDRINUSE"),
    ("ADDRNOTAVAIL", "EADDRNOTAVAIL"), ("AFNOSUPPORT", "EAFNOSUPPORT"), ("AGAIN", "EAGAIN"),
    ("ALREADY", "EALREADY"), ("BADF", "EBADF"), ("BADMSG", "EBADMSG"), ("BUSY", "EBUSY"),
    ("CANCELED", "ECANCELED"), ("CHILD", "ECHILD"), ("CONNABORTED", "ECONNABORTED"),
    ("CONNREFUSED", "ECONNREFUSED"), ("CONNRESET", "ECONNRESET"), ("DEADLK", "EDEADLK"),
    ("DESTADDRREQ", "EDESTADDRREQ"), ("DOM", "EDOM"), ("DQUOT", "EDQUOT"), ("EXIST", "EEXIST"),
    ("FAULT", "EFAULT"), ("FBIG", "EFBIG"), ("HOSTUNREACH", "EHOSTUNREACH"), ("IDRM", "EIDRM"),
    ("ILSEQ", "EILSEQ"), ("INPROGRESS", "EINPROGRESS"), ("INTR", "EINTR"), ("INVAL", "EINVAL"),
    ("IO", "EIO"), ("ISCONN", "EISCONN"), ("ISDIR", "EISDIR"), ("LOOP", "ELOOP"),
    ("MFILE", "EMFILE"), ("MLINK", "EMLINK"), ("MSGSIZE", "EMSGSIZE"), ("MULTIHOP", "EMULTIHOP"),
    ("NAMETOOLONG", "ENAMETOOLONG"), ("NETDOWN", "ENETDOWN"), ("NETRESET", "ENETRESET"),
    ("NETUNREACH", "ENETUNREACH"), ("NFILE", "ENFILE"), ("NOBUFS", "ENOBUFS"), ("NODEV", "ENODEV"),
    ("NOENT", "ENOENT"), ("NOEXEC", "ENOEXEC"), ("NOLCK", "ENOLCK"), ("NOLINK", "ENOLINK"),
    ("NOMEM", "ENOMEM"), ("NOMSG", "ENOMSG"), ("NOPROTOOPT", "ENOPROTOOPT"), ("NOSPC", "ENOSPC"),
    ("NOSYS", "ENOSYS"), ("NOTCONN", "ENOTCONN"), ("NOTDIR", "ENOTDIR"), ("NOTEMPTY", "ENOTEMPTY"),
    ("NOTRECOVERABLE", "ENOTRECOVERABLE"), ("NOTSOCK", "ENOTSOCK"), ("NOTSUP", "ENOTSUP"),
    ("NOTTY", "ENOTTY"), ("NXIO", "ENXIO"), ("OVERFLOW", "EOVERFLOW"), ("OWNERDEAD", "EOWNERDEAD"),
    ("PERM", "EPERM"), ("PIPE", "EPIPE"), ("PROTO", "EPROTO"), ("PROTONOSUPPORT", "EPROTONOSUPPORT"),
    ("PROTOTYPE", "EPROTOTYPE"), ("RANGE", "ERANGE"), ("ROFS", "EROFS"), ("SPIPE", "ESPIPE"),
    ("SRCH", "ESRCH"), ("STALE", "ESTALE"), ("TIMEDOUT", "ETIMEDOUT"), ("TXTBSY", "ETXTBSY"),
    ("XDEV", "EXDEV"), ("NOTCAPABLE", None),
)

Errno = IntEnum("Errno", [(name, value) for value, (name, _) in enumerate(_ERRNOS)])
Errno.__doc__ = "WASI errno values (witx `$errno`, u16)."
Errno.__module__ = __name__

# host errno number -> WASI errno; aliases the host defines (EWOULDBLOCK, EOPNOTSUPP, EDEADLOCK)
# land on the same WASI value
_FROM_HOST: dict[int, Errno] = {}
for _value, (_name, _host) in enumerate(_ERRNOS):
    if _host is not None and hasattr(host_errno, _host):
        _FROM_HOST.setdefault(getattr(host_errno, _host), Errno(_value))
for _alias, _wasi in (("EWOULDBLOCK", Errno.AGAIN), ("EOPNOTSUPP", Errno.NOTSUP),
                      ("EDEADLOCK", Errno.DEADLK)):
    if hasattr(host_errno, _alias):
        _FROM_HOST.setdefault(getattr(host_errno, _alias), _wasi)


class WasiError(Exception):
    """Raised inside a WASI function to return `errno` to the guest."""
    __slots__ = ("errno",)

    def __init__(self, errno: int):
        super().__init__(errno)
        self.errno = errno

    def __str__(self) -> str:
        return f"WASI errno {Errno(self.errno).name.lower()}"


def from_host(err: OSError) -> Errno:
    """The WASI errno for a host OSError (EIO when the host's errno has no WASI name)."""
    return _FROM_HOST.get(err.errno or 0, Errno.IO)


__all__ = ["Errno", "WasiError", "from_host"]
