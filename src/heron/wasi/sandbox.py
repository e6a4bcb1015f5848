"""The path sandbox: a guest path resolved below a directory descriptor, component by
component, the way openat-based runtimes (cap-std) do.

Every directory descriptor is its own root. `resolve(base_fd, path, follow)` walks the
path with host `openat`s relative to `base_fd`, opening each intermediate directory with
O_NOFOLLOW and keeping the chain of opened directories as a stack:

* `..` pops the stack; popping the base itself is an escape (EPERM);
* an absolute path, or a symlink whose target is absolute, is an escape (EPERM);
* a symlink met on the way (or at the end, when following) is read with readlinkat and
  its target spliced into the remaining components, relative to the directory holding
  the link -- so it is held to the same rules; more than 40 expansions is ELOOP;
* nothing is ever resolved by the host from a path string of more than one component.

The result names the directory holding the final component (a host fd) and that
component, for the caller's `*at` operation with no-follow semantics.
"""
from __future__ import annotations

import errno as host_errno
import os

from .errno import Errno, WasiError, from_host

MAX_SYMLINK_EXPANSIONS = 40
# how intermediate directories are opened: only to look below them
_DIR_SEARCH = (getattr(os, "O_PATH", 0) or os.O_RDONLY) | getattr(os, "O_DIRECTORY", 0) \
    | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
# what opening a symlink with O_NOFOLLOW (and O_DIRECTORY) fails with, depending on the host
_MAYBE_SYMLINK = {host_errno.ELOOP, host_errno.ENOTDIR, host_errno.EMLINK}
_NOT_A_SYMLINK = {host_errno.EINVAL, getattr(host_errno, "ENOTSUP", host_errno.EINVAL)}


class Resolved:
    """A resolved path: `name` inside the host directory `parent` ("." is the directory
    itself). A context manager: leaving it closes the directories the walk opened."""
    __slots__ = ("parent", "name", "must_be_dir", "_opened")

    def __init__(self, parent: int, name: str, must_be_dir: bool, opened: list[int]):
        self.parent = parent
        self.name = name
        self.must_be_dir = must_be_dir
        self._opened = opened

    def __enter__(self) -> "Resolved":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        while self._opened:
            os.close(self._opened.pop())


def _components(path: str) -> list[str]:
    """Path components, last first (a stack to pop), empty ones dropped."""
    parts = [p for p in path.split("/") if p]
    parts.reverse()
    return parts


def resolve(base_fd: int, path: str, follow: bool) -> Resolved:
    """Resolve `path` below the directory `base_fd`; `follow`: also expand a symlink in the
    final position (WASI lookupflags.symlink_follow). A trailing slash sets `must_be_dir`
    (the operation checks it; it does not make a final symlink followed, so removing
    "link/" never reaches the link's target). Raises WasiError."""
    if not path:
        raise WasiError(Errno.NOENT)
    if path.startswith("/"):
        raise WasiError(Errno.PERM)
    must_be_dir = path.endswith("/")
    follow_final = follow
    todo = _components(path)
    stack = [base_fd]
    expansions = 0
    name = "."
    try:
        while todo:
            comp = todo.pop()
            last = not todo
            if comp == ".":
                name = "."
                continue
            if comp == "..":
                if len(stack) == 1:
                    raise WasiError(Errno.PERM)
                os.close(stack.pop())
                name = "."
                continue
            if last and not follow_final:
                name = comp
                break
            if not last:
                try:
                    stack.append(os.open(comp, _DIR_SEARCH, dir_fd=stack[-1]))
                    continue
                except OSError as e:
                    if e.errno not in _MAYBE_SYMLINK:
                        raise WasiError(from_host(e)) from None
            target = _readlink(stack[-1], comp, last)
            if target is None:
                if not last:
                    raise WasiError(Errno.NOTDIR)
                name = comp
                break
            expansions += 1
            if expansions > MAX_SYMLINK_EXPANSIONS:
                raise WasiError(Errno.LOOP)
            if target.startswith("/"):
                raise WasiError(Errno.PERM)
            if last and target.endswith("/"):
                must_be_dir = True
            todo.extend(_components(target))
            if not todo:                                   # a link to "" or "/": nothing left
                raise WasiError(Errno.NOENT)
            name = "."
        return Resolved(stack[-1], name, must_be_dir, stack[1:])
    except BaseException:
        for fd in stack[1:]:
            os.close(fd)
        raise


def _readlink(dir_fd: int, name: str, last: bool) -> str | None:
    """The target of symlink `name` in `dir_fd`, or None when `name` is not a symlink (or,
    in final position, does not exist yet: a path may name what is about to be created)."""
    try:
        return os.readlink(name, dir_fd=dir_fd)
    except OSError as e:
        if e.errno in _NOT_A_SYMLINK or (last and e.errno == host_errno.ENOENT):
            return None
        raise WasiError(from_host(e)) from None


__all__ = ["resolve", "Resolved", "MAX_SYMLINK_EXPANSIONS"]
