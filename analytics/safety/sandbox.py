"""Untrusted work (an analyst's SQL, an uploaded file) runs in a child process with hard limits.

Limits inside the server are cooperative: DuckDB checks for interrupts between chunks, and a
parser fed a bomb allocates before anyone can stop it. So the work runs in a child forked
from multiprocessing's fork server, a small clean process that already imported the heavy
libraries (some 60 ms a query in all, see bench/sandbox.py). The child caps its own private
memory (RLIMIT_DATA: unlike RLIMIT_AS it ignores the gigabytes of address space that DuckDB's and
malloc's arenas reserve without using), forbids core dumps and file writes, empties its environment
and starts in an empty temporary folder that is also its HOME. The server kills it at the wall-clock
limit and only ever reads a JSON header and a byte string from a pipe; a child that dies or overruns
is a named error.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import resource
import shutil
import signal
import sys
import tempfile
import threading
from dataclasses import dataclass
from multiprocessing import spawn

import pyarrow

from analytics.errors import MemoryLimitExceeded, TimeLimitExceeded, WorkerFailed
from analytics.text import fmt

_LOG = logging.getLogger(__name__)
_CONTEXT = multiprocessing.get_context("forkserver")
_PRELOAD = ["duckdb", "pandas", "pyarrow"]
_NAME = "bhxh-confined"
_SLOTS = threading.BoundedSemaphore(4)  # children at once: many sessions' bombs cannot add up without bound
_preparation_data = spawn.get_preparation_data


def _without_main(name: str) -> dict:
    """What a new process is told to prepare, less the server's main module for ours.

    multiprocessing re-runs the parent's ``__main__`` in every child, and Streamlit makes each page
    script ``__main__`` while it runs: a confined child would run app.py. It needs only the function
    it is given, whose module the fork server imported.
    """
    data = _preparation_data(name)
    if name.startswith(_NAME):
        data.pop("init_main_from_path", None)
        data.pop("init_main_from_name", None)
    return data


spawn.get_preparation_data = _without_main


def preload(module: str) -> None:
    """Import ``module`` once in the fork server (if it has not started yet) instead of in every child."""
    if module not in _PRELOAD:
        _PRELOAD.append(module)
    _CONTEXT.set_forkserver_preload(_PRELOAD)


_CONTEXT.set_forkserver_preload(_PRELOAD)


@dataclass(frozen=True)
class Limits:
    memory_mb: int  # private memory the child may add to what it starts with
    time_s: float  # wall clock, from start to answer
    answer_mb: int = 64  # the largest answer the server reads

    def seconds(self) -> str:
        return fmt.number(self.time_s, 0 if float(self.time_s).is_integer() else 1)


def _address_space() -> int:
    """Bytes of private writable memory this process maps now (VmData, what RLIMIT_DATA counts)."""
    with open("/proc/self/status", encoding="ascii") as status:
        size = next(line for line in status if line.startswith("VmData:"))
    return int(size.split()[1]) * 1024


def _confine(workdir: str, memory_mb: int) -> None:
    """In the child, before any untrusted byte is touched."""
    os.chdir(workdir)
    os.environ.clear()
    os.environ.update({"HOME": workdir, "TMPDIR": workdir, "LANG": "C.UTF-8"})
    tempfile.tempdir = workdir
    sys.dont_write_bytecode = True
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the file-size limit fails instead of killing
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    # Arrow's own allocator reserves large regions up front, which the limit below would refuse.
    pyarrow.set_memory_pool(pyarrow.system_memory_pool())
    limit = _address_space() + memory_mb * 2**20
    resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))


def _child(send, workdir: str, memory_mb: int, work, args) -> None:
    _confine(workdir, memory_mb)
    try:
        header, body = work(*args)
    except MemoryError:
        header, body = {"exceeded": "memory"}, b""
    send.send_bytes(json.dumps(header).encode())
    send.send_bytes(body)
    send.close()


def run(work, args: tuple, limits: Limits) -> tuple[dict, bytes]:
    """``work(*args)`` in a confined child: its (header, body); the header must be JSON-able.

    ``work`` is a module-level function returning (dict, bytes). Raises TimeLimitExceeded when the
    child is still busy at ``limits.time_s``, MemoryLimitExceeded when it ran out of memory (or died
    by a signal, which is how an allocation failure outside Python ends), WorkerFailed otherwise.
    """
    with _SLOTS:
        return _confined(work, args, limits)


def _confined(work, args: tuple, limits: Limits) -> tuple[dict, bytes]:
    workdir = tempfile.mkdtemp(prefix="bhxh-worker-")
    receive, send = _CONTEXT.Pipe(duplex=False)
    child = _CONTEXT.Process(target=_child, args=(send, workdir, limits.memory_mb, work, args), daemon=True,
                             name=f"{_NAME}-{work.__name__}")
    try:
        child.start()
        send.close()
        return _answer(child, receive, limits)
    finally:
        receive.close()
        if child.is_alive():
            child.kill()
        if child.pid is not None:
            child.join()
        shutil.rmtree(workdir, ignore_errors=True)


def _answer(child, receive, limits: Limits) -> tuple[dict, bytes]:
    if not receive.poll(limits.time_s):
        raise TimeLimitExceeded(f"Quá thời gian cho phép ({limits.seconds()} giây); việc xử lý đã bị dừng.")
    try:
        header = json.loads(receive.recv_bytes(maxlength=2**20))
        if not receive.poll(limits.time_s):
            raise TimeLimitExceeded(f"Quá thời gian cho phép ({limits.seconds()} giây); việc xử lý đã bị dừng.")
        body = receive.recv_bytes(maxlength=limits.answer_mb * 2**20)
    except EOFError:
        child.join(limits.time_s)
        _LOG.warning("A confined child ended without an answer, exit code %s", child.exitcode)
        if child.exitcode is not None and child.exitcode < 0:
            raise MemoryLimitExceeded(_memory(limits)) from None
        raise WorkerFailed("Việc xử lý dừng giữa chừng vì một lỗi không lường trước; "
                           "máy chủ vẫn chạy bình thường. Hãy thử lại hoặc báo quản trị.") from None
    except OSError as exc:  # an answer longer than maxlength
        raise MemoryLimitExceeded(f"Kết quả lớn hơn {limits.answer_mb} MB nên không được nhận.") from exc
    if header.get("exceeded") == "memory":
        raise MemoryLimitExceeded(_memory(limits))
    return header, body


def _memory(limits: Limits) -> str:
    return f"Cần quá nhiều bộ nhớ (giới hạn {limits.memory_mb} MB); việc xử lý đã bị dừng."
