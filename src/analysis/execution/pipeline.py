"""Notebook execution engine of the monthly run: papermill in a process pool.

Each :class:`NotebookJob` turns a template notebook and its parameters into an executed
notebook. :func:`execute_jobs` runs the jobs in parallel, skips those already up to date,
isolates failures and never leaves a half-written notebook that would count as done:

- papermill writes to a temporary file beside the output (``.<name>.<pid>.tmp.ipynb``),
  which is renamed onto the output once it holds a whole notebook; a job first removes the
  temporaries a killed run may have left;
- a stamp ``<name>.json`` (e.g. ``ti-0001.ipynb.json``) is written last (``fichiers.write_atomic``); a job is up to
  date when its stamp records the same digest of (template bytes, parameters, inputs digest)
  and the sha256 of the output as it is (a notebook truncated or altered since is executed
  again);
- a failed notebook (with the traceback papermill wrote into it) is kept at
  ``<stem>.failed.ipynb``, a whole notebook or nothing; the output and stamp of a previous run
  are removed so that nothing stale is published;
- a job that could not write its notebook (disk full, read-only, permission denied) or was
  interrupted (Ctrl-C) leaves the previous output and its stamp as they were;
- a notebook whose kernel ran no cell (died or did not answer at start) is executed once more
  (``KERNEL_START_RETRIES``).

A worker keeps its kernel from one notebook to the next (a warm kernel: the libraries and the
package's own modules stay imported) and resets it before each notebook to the state a new
kernel would have after importing them (``_KERNEL_SNAPSHOT``, ``_KERNEL_RESET``); a notebook that fails otherwise than by raising in a cell (dead kernel,
timeout) takes its kernel with it, and the next notebook gets a new one. ``fresh_kernels``
(``observatoire run --noyaux-neufs``) starts one kernel per notebook instead.

The kernel of each notebook runs in the output's folder, so figures saved by the notebook
land beside it. Each executed notebook records the processor time its kernel spent in its
cells (``KERNEL_CPU_KEY``): what the notebook computes, whatever else the machine runs.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import glob
import hashlib
import json
import logging
import multiprocessing
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Literal

from tqdm import tqdm

from analysis import config, mois
from analysis.fichiers import describe_os_error, file_sha256, write_atomic

Status = Literal["executed", "up-to-date", "failed"]
STATUSES: tuple[Status, ...] = ("executed", "up-to-date", "failed")

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_ERROR_LINES = 5
# A notebook whose kernel ran no cell (it died or did not answer at start) is executed once more.
# Under parallel launches a kernel can die at start ("Kernel died before replying to
# kernel_info"): jupyter_client chooses its five TCP ports by binding port 0 and closing the
# socket, and the kernel binds them a second or so later, once Python has started; a port
# taken meanwhile (by another worker's kernel, whose port cache is per process, or by any
# other program's connection on a shared machine) makes its bind fail, and it exits.
KERNEL_START_RETRIES = 1
# fork starts workers without re-importing the caller's __main__ (scripts need no
# ``if __name__ == "__main__"`` guard) and measured ~20 % faster than spawn on 20 short
# notebooks; it is only used on Linux, where it is the safe default of Python 3.11.
_START_METHOD = "fork" if sys.platform.startswith("linux") else "spawn"


@dataclass
class NotebookJob:
    """One notebook to execute: template, where to write it, papermill parameters, a label."""

    template: Path
    output: Path
    parameters: dict = field(default_factory=dict)
    label: str = ""

    def __post_init__(self) -> None:
        self.template = Path(self.template)
        self.output = Path(self.output)
        self.label = self.label or self.output.stem


@dataclass(frozen=True)
class JobResult:
    """Outcome of one job.

    ``notebook`` is the file to open for this run: the output when executed or up to date,
    the ``.failed.ipynb`` copy when the notebook raised, None when papermill wrote nothing
    (kernel could not start, template missing…).
    """

    label: str
    status: Status
    output: Path
    notebook: Path | None
    duration: float
    started_at: str | None = None
    error: str | None = None
    digest: str = ""


# --------------------------------------------------------------------------- digests


def digest_files(paths: Iterable[Path]) -> str:
    """One sha256 over several files (names and contents), independent of their order."""
    entries = sorted((Path(p).name, file_sha256(Path(p))) for p in paths)
    h = hashlib.sha256()
    for name, sha in entries:
        h.update(f"{name}\0{sha}\n".encode())
    return h.hexdigest()


def job_digest(template_sha256: str, parameters: dict, inputs_digest: str) -> str:
    """Digest deciding whether a job's output is up to date."""
    payload = json.dumps(
        {"template": template_sha256, "parameters": parameters, "inputs": inputs_digest},
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


# --------------------------------------------------------------------------- files


def stamp_path(output: Path) -> Path:
    """The stamp written beside an output once it is complete: ``<name>.json``."""
    return output.with_name(output.name + ".json")


def failed_path(output: Path) -> Path:
    """Where the notebook of a failed execution is kept: ``<stem>.failed.ipynb``."""
    return output.with_name(f"{output.stem}.failed{output.suffix}")


def _temp_path(path: Path) -> Path:
    """Temporary sibling of ``path``, unique to this process (``.<name>.<pid>.tmp<suffix>``).

    The suffix stays last so that papermill's writer accepts ``.ipynb`` temporaries.
    """
    return path.with_name(f".{path.name}.{os.getpid()}.tmp{path.suffix}")


def _clean_temps(output: Path) -> None:
    """Remove temporaries of the output and of its stamp left by a killed run."""
    for path in (output, stamp_path(output)):
        pattern = f".{glob.escape(path.name)}.*.tmp{glob.escape(path.suffix)}"
        for stale in path.parent.glob(pattern):
            stale.unlink(missing_ok=True)


def is_up_to_date(output: Path, digest: str) -> bool:
    """True when the output exists and its stamp records ``digest`` and the output's sha256."""
    if not output.is_file():
        return False
    try:
        stamp = json.loads(stamp_path(output).read_text(encoding="utf-8"))
        return isinstance(stamp, dict) and stamp.get("digest") == digest and stamp.get("sha256") == file_sha256(output)
    except (OSError, ValueError):
        return False


# --------------------------------------------------------------------------- worker side


RUNTIME_PREFIX = "observatoire-noyaux-"  # a worker's folder of kernel connection files: <tmp>/<prefix><pid>


def _own_runtime_dir() -> Path:
    """Give this worker a folder of its own for its kernels' connection files, removed when the
    worker ends: normally (a multiprocessing finalizer) or on SIGTERM (``_init_worker``).

    jupyter_client writes a kernel's connection file with ``tempfile.mkstemp`` (other versions
    in the Jupyter runtime folder): both point to ``<system tmp>/observatoire-noyaux-<pid>``.
    """
    from multiprocessing.util import Finalize

    folder = Path(tempfile.gettempdir()) / f"{RUNTIME_PREFIX}{os.getpid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    tempfile.tempdir = str(folder)
    os.environ["JUPYTER_RUNTIME_DIR"] = str(folder)
    Finalize(None, _remove_runtime_dir, args=(folder,), exitpriority=0)
    return folder


def _remove_runtime_dir(folder: Path) -> None:
    """Stop the worker's kernels (``_kill_children``, on Linux), then remove its folder of
    connection files. The folder is renamed first: jupyter_client starts kernels in a thread of
    its own, which may be writing a connection file at that moment; after the rename, a file is
    either inside the renamed folder or never created."""
    if sys.platform.startswith("linux"):
        _kill_children()
    doomed = folder.with_name(folder.name + ".fin")
    try:
        folder.rename(doomed)
    except OSError:  # already gone
        return
    shutil.rmtree(doomed, ignore_errors=True)


def _kill_children() -> None:
    """SIGKILL this process's children (its kernels) and wait for their end: a kernel still
    starting would otherwise write its connection file again once the folder is removed
    (ipykernel creates it when missing) and never remove it."""
    me = str(os.getpid())
    for entry in os.listdir("/proc"):
        try:
            ppid = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1] if entry.isdigit() else None
            if ppid == me:
                os.kill(int(entry), signal.SIGKILL)
                os.waitpid(int(entry), 0)
        except (OSError, IndexError):  # gone meanwhile, or not a child to wait for
            continue


def _init_worker(parent_pid: int, kernel_log: str | None) -> None:
    """Prepare a pool worker once: die with the parent, leaving no kernel connection file,
    quiet kernels, import papermill."""
    # A non-interactive MPLBACKEND (e.g. Agg in a CI shell) would reach the kernels and stop
    # ipykernel from showing figures inline: the notebooks would come out without figures.
    os.environ.pop("MPLBACKEND", None)
    runtime = _own_runtime_dir()

    def end(signum: int, frame: object) -> None:
        _remove_runtime_dir(runtime)
        os._exit(1)

    signal.signal(signal.SIGTERM, end)
    if sys.platform.startswith("linux"):
        # A killed run must not leave workers finishing jobs behind a rerun's back: the worker
        # gets SIGTERM when its parent dies, stops its kernels, removes their connection files
        # and exits at once.
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        if os.getppid() != parent_pid:
            end(signal.SIGTERM, None)
    # Kernels inherit the worker's stdout/stderr: keep their chatter off the progress bar.
    fd = os.open(kernel_log or os.devnull, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    # jsonschema imports rfc3987_syntax when installed, which builds a grammar for ~2-3 s;
    # nbformat's schemas use no IRI format, so papermill does not need it.
    sys.modules.setdefault("rfc3987_syntax", None)
    import papermill  # noqa: F401  (imported once per worker, not per job)


# What a warm kernel runs, silently (no history, no output), to be reset between notebooks.
# Run once, right after its start: the package's modules are imported (all but the execution
# layer, which no notebook imports) and the state a notebook starts from is recorded: each
# module's names and the contents of its lists, dicts and sets (per-process state: the files
# read, the figures shown), matplotlib's settings, the warning filters, sys.path, the
# environment (the kernel's, and the worker's it came from), and the size and date of every file
# of the package. What exists then (the libraries, the package, this record: ~190 000 objects,
# never freed) is moved out of the garbage collector's reach (``gc.freeze``): each full
# collection, IPython's at every reset and the reset's own, took ~0.1 s to scan it and found
# nothing there; it now scans what the notebooks made (~0.015 s).
_KERNEL_SNAPSHOT = """
def _observatoire_etat(package, skipped, worker_environ):
    import copy, gc, importlib, os, pkgutil, sys, warnings
    from pathlib import Path
    import matplotlib, matplotlib.pyplot
    root = importlib.import_module(package)
    for info in pkgutil.walk_packages(root.__path__, package + "."):
        if not info.name.startswith(skipped):
            importlib.import_module(info.name)
    modules = {n: m for n, m in sys.modules.items() if n == package or n.startswith(package + ".")}
    names = {n: dict(vars(m)) for n, m in modules.items()}
    contents = {n: {k: copy.copy(v) for k, v in ns.items() if type(v) in (dict, list, set) and not k.startswith("__")}
                for n, ns in names.items()}
    files = sorted((str(p), p.stat().st_mtime_ns, p.stat().st_size) for d in root.__path__ for p in Path(d).rglob("*.py"))
    get_ipython()._observatoire_etat = (dict(os.environ), list(warnings.filters), dict(matplotlib.rcParams), list(sys.path),
                                        modules, names, contents, files, worker_environ)
    gc.collect()
    gc.freeze()
_observatoire_etat(%r, %r, %r)
del _observatoire_etat
"""
# Before each later notebook: back to that state. The user namespace, In/Out and the execution
# counter are reset; each module of the package gets back its names and the contents of its
# lists, dicts and sets (the files read so far among them); a module of the package imported
# since is forgotten (imported again when needed). Its caches (``functools.cache``,
# ``cache.cached``, ``cache.derived``) are kept when the notebook is made from the same inputs as
# the previous one (``inputs_key``: the month's tables, the code, the declarations and the living
# copies, ``execute_jobs``' ``inputs_digest``): what they hold was computed from those very files,
# and a hit records its files as read again (``cache.cached``), so the provenance is a new
# kernel's; with other inputs (another month, a living copy obtained since), they are emptied.
# Figures are closed, and rcParams, warning filters (with the "already shown" registries),
# sys.path, the environment (the worker's, as a new kernel inherits it) and the folder are those
# of a new kernel. When a file of the package changed, or one of its variables
# (``_ENV_PREFIX``; a notebook's own ``mois.CARNET_ENV`` aside), the reset fails: the worker
# starts a new kernel.
_KERNEL_RESET = """
def _observatoire_reset(cwd, environ, package, prefix, carnet, inputs_key):
    import gc, os, sys, warnings
    from pathlib import Path
    import matplotlib, matplotlib.pyplot as plt
    ip = get_ipython()
    keep = inputs_key is not None and getattr(ip, "_observatoire_entrees", None) == inputs_key
    ip._observatoire_entrees = inputs_key
    start_environ, filters, rc, path, modules, names, contents, files, worker_environ = ip._observatoire_etat
    root = modules[package]
    now = sorted((str(p), p.stat().st_mtime_ns, p.stat().st_size) for d in root.__path__ for p in Path(d).rglob("*.py"))
    same = lambda env: {k: v for k, v in env.items() if k.startswith(prefix) and k != carnet}
    if now != files or same(environ) != same(worker_environ):
        raise RuntimeError("paquet ou environnement modifié depuis le démarrage du noyau")
    ip.reset(new_session=True)  # a new history session: the execution counter restarts at 1
    for name in [n for n in sys.modules if (n == package or n.startswith(package + ".")) and n not in modules]:
        del sys.modules[name]
    for name, module in modules.items():
        sys.modules[name] = module
        space, saved = vars(module), names[name]
        for key in [k for k in space if k not in saved]:
            del space[key]
        space.update(saved)
        for key, value in contents[name].items():
            saved[key].clear()
            saved[key].extend(value) if isinstance(value, list) else saved[key].update(value)
        for value in () if keep else saved.values():
            if callable(getattr(value, "cache_clear", None)) and str(getattr(value, "__module__", "")).startswith(package):
                value.cache_clear()
    plt.close("all")
    matplotlib.rcParams.update(rc)
    warnings.resetwarnings()
    warnings.filters[:] = filters
    warnings.onceregistry.clear()
    os.environ.clear()
    os.environ.update({**start_environ, **environ})
    sys.path[:] = path
    os.chdir(cwd)
    gc.collect()
_observatoire_reset(%r, %r, %r, %r, %r, %r)
"""
_PACKAGE = __name__.partition(".")[0]  # the package whose modules a warm kernel keeps and resets
_NOT_IN_KERNELS = __name__.rpartition(".")[0]  # its execution layer: no notebook imports it
_ENV_PREFIX = "OBSERVATOIRE_"  # the package's environment variables (config.OUTPUTS_ENV…), some read at import
_ENGINE = "observatoire"  # papermill engine name of the run's notebooks (``_engine``)
# The run's kernels keep no IPython history: nbclient asks for an in-memory one only for kernel
# specs named python, python2 or python3 (jupyter_client's ``KernelManager.ipykernel``), and the
# project's (config.KERNEL_NAME) wrote every cell of every notebook into the user's history.sqlite.
_KERNEL_ARGUMENTS = ("--HistoryManager.enabled=False",)
# In an executed notebook's metadata: {"observatoire": {"kernel_cpu_seconds": ...}}
METADATA_KEY, KERNEL_CPU_KEY = "observatoire", "kernel_cpu_seconds"


@dataclass
class _WarmKernel:
    """A worker thread's kernel, kept from one notebook to the next (jupyter_client's
    AsyncKernelManager and its client, once started)."""

    name: str
    km: object
    kc: object | None = None


_WARM = threading.local()  # .kernel: the _WarmKernel of this thread


def _warm_kernel(name: str) -> _WarmKernel:
    """This thread's warm kernel for kernel spec ``name`` (created, not started, if none)."""
    warm = getattr(_WARM, "kernel", None)
    if warm is None or warm.name != name:
        from jupyter_client.manager import AsyncKernelManager

        if warm is not None:
            _stop_warm_kernel()
        warm = _WARM.kernel = _WarmKernel(name, AsyncKernelManager(kernel_name=name))
    return warm


def _stop_warm_kernel() -> None:
    """Kill this thread's warm kernel, if any, and forget it: the next notebook gets a new one."""
    from jupyter_core.utils import run_sync

    warm = getattr(_WARM, "kernel", None)
    _WARM.kernel = None
    if warm is None:
        return
    if warm.kc is not None:
        warm.kc.stop_channels()
    try:
        run_sync(warm.km.shutdown_kernel)(now=True)  # also removes its connection file
    except Exception:  # dead or never started: nothing left to stop
        pass


def _run_silently(kc: object, code: str, timeout: float) -> None:
    """Run ``code`` in the kernel of client ``kc`` without history or output; raise if it fails."""
    from jupyter_core.utils import run_sync

    reply = run_sync(kc.execute_interactive)(code, silent=True, store_history=False, allow_stdin=False,
                                             timeout=timeout, output_hook=lambda msg: None)
    content = reply["content"]
    if content["status"] != "ok":
        raise RuntimeError(f"noyau non réinitialisé : {content.get('ename')}: {content.get('evalue')}")


def _kernel_cpu(km: object) -> float | None:
    """Processor time (user + system, all threads, in seconds) used so far by the kernel
    process ``km`` (a jupyter_client kernel manager) started; None when it cannot be read."""
    import psutil

    try:
        times = psutil.Process(km.provisioner.pid).cpu_times()
    except (AttributeError, TypeError, ValueError, psutil.Error):  # no process (a remote kernel), or gone
        return None
    return times.user + times.system


@cache
def _engine() -> type:
    """The papermill engine of the run: a notebook executed in the worker's warm kernel
    (``noyau``), or in a new kernel when ``noyau`` is None (``fresh_kernels``), as papermill's
    own engine does; the processor time of the kernel during the cells is recorded in the
    notebook's metadata (``METADATA_KEY``, ``KERNEL_CPU_KEY``)."""
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine

    class TimedClient(PapermillNotebookClient):
        def papermill_execute_cells(self):
            before = _kernel_cpu(self.km)
            try:
                super().papermill_execute_cells()
            finally:
                after = _kernel_cpu(self.km)
                if before is not None and after is not None:
                    self.nb.metadata.setdefault(METADATA_KEY, {})[KERNEL_CPU_KEY] = round(after - before, 3)

    class KernelEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                     stderr_file=None, start_timeout=60, execution_timeout=None,
                                     input_path=None, noyau: _WarmKernel | None = None, inputs_key: str | None = None,
                                     **kwargs):
            client = TimedClient(
                nb_man, km=noyau.km if noyau else None, kernel_name=kernel_name, log=logging.getLogger("papermill"),
                log_output=log_output, stdout_file=stdout_file, stderr_file=stderr_file,
                startup_timeout=start_timeout, timeout=execution_timeout, extra_arguments=list(_KERNEL_ARGUMENTS), **kwargs,
            )
            if noyau is None:  # a new kernel, started and shut down by the client
                return client.execute()
            if noyau.kc is not None:
                try:
                    _run_silently(noyau.kc, _KERNEL_RESET % (os.getcwd(), dict(os.environ), _PACKAGE, _ENV_PREFIX, mois.CARNET_ENV,
                                                             inputs_key), start_timeout)
                    client.kc = noyau.kc
                except Exception:  # the kernel died since the last notebook: a new one
                    _stop_warm_kernel()
                    noyau = _warm_kernel(kernel_name)
                    client.km = noyau.km
            if client.kc is None:  # started as nbclient starts a kernel (papermill made cwd the output's folder)
                client.start_new_kernel()
                client.start_new_kernel_client()
                noyau.kc = client.kc
                _run_silently(noyau.kc, _KERNEL_SNAPSHOT % (_PACKAGE, _NOT_IN_KERNELS, dict(os.environ)), start_timeout)
                _run_silently(noyau.kc, f"get_ipython()._observatoire_entrees = {inputs_key!r}", start_timeout)
            return client.execute()

    return KernelEngine


def _error_summary(exc: BaseException) -> str:
    """Exception name and message, last lines, without terminal colours."""
    ename = getattr(exc, "ename", None)
    if ename is not None:
        text = f"{ename}: {getattr(exc, 'evalue', '')}"
        cell = getattr(exc, "exec_count", None)
        text = f"[cellule {cell}] {text}" if cell is not None else text
    elif isinstance(exc, OSError) and exc.errno is not None:  # disk full, read-only, permission denied: in French
        text = describe_os_error(exc)
    else:
        text = f"{type(exc).__name__}: {exc}"
    lines = [line.rstrip() for line in _ANSI.sub("", text).strip().splitlines() if line.strip()]
    return "\n".join(lines[-_ERROR_LINES:])


def _papermill_path(path: Path) -> str:
    # papermill formats paths with the parameters (str.format): escape literal braces.
    return str(path).replace("{", "{{").replace("}", "}}")


def _execute_notebook(job: NotebookJob, target: Path, kernel: str, start_timeout: int,
                      fresh_kernels: bool = False, inputs_key: str | None = None) -> None:
    """papermill: ``job``'s template executed with its parameters into ``target``, in the
    folder of its output, in this worker's warm kernel (a new kernel per notebook when
    ``fresh_kernels``; its caches kept from the previous notebook when made from the same
    ``inputs_key``, ``_KERNEL_RESET``); a kernel that failed to start before any cell ran is started again
    (``KERNEL_START_RETRIES`` times). A warm kernel is kept when the notebook raised in a
    cell, stopped on any other failure (dead kernel, timeout, interruption)."""
    import papermill
    from papermill.engines import papermill_engines
    from papermill.exceptions import PapermillExecutionError

    output = job.output.resolve()
    for stale in mois.figure_csvs(output):  # the figures' data are written again by this execution
        stale.unlink()
    os.environ[mois.CARNET_ENV] = str(output)  # the kernel inherits it: where its figures' data go
    for attempt in range(1 + KERNEL_START_RETRIES):
        cells_sent: list[int] = []  # cells sent to the kernel (nbclient's on_cell_start hook)
        papermill_engines.register(_ENGINE, _engine())
        engine = {"engine_name": _ENGINE, "noyau": None if fresh_kernels else _warm_kernel(kernel), "inputs_key": inputs_key}
        try:
            papermill.execute_notebook(
                _papermill_path(job.template.resolve()),
                _papermill_path(target),
                parameters=job.parameters,
                kernel_name=kernel,
                cwd=str(output.parent),
                progress_bar=False,
                log_output=False,
                request_save_on_cell_execute=False,
                start_timeout=start_timeout,
                # The executed notebook is complete once the last cell replied: kill the kernel
                # rather than wait for its graceful exit (~0.2 s per notebook).
                shutdown_kernel="immediate",
                on_cell_start=lambda cell_index, **_: cells_sent.append(cell_index),
                **engine,
            )
            break
        except BaseException as exc:
            if not isinstance(exc, PapermillExecutionError):
                _stop_warm_kernel()
            if not isinstance(exc, Exception) or cells_sent or attempt == KERNEL_START_RETRIES:
                raise


def _is_notebook(path: Path) -> bool:
    """True when ``path`` holds a whole notebook (a write cut short is not valid JSON)."""
    import nbformat

    try:
        nbformat.read(path, as_version=4)
    except Exception:  # absent, truncated, not a notebook
        return False
    return True


def _run_job(job: NotebookJob, kernel: str, digest: str, start_timeout: int,
             fresh_kernels: bool = False, inputs_key: str | None = None) -> JobResult:
    """Execute one job in a pool worker; never raises.

    papermill writes the executed notebook once, at the end, into a temporary file, which is
    then moved onto the output (success) or onto ``<stem>.failed.ipynb`` (the notebook raised),
    and only when it is a whole notebook: a write cut short (disk full) is removed. When the
    job could not write (``OSError``) or was interrupted, the previous output and its stamp stay
    as they were; when the notebook itself failed, they are removed, being made from other inputs.
    """
    output = job.output.resolve()
    stamp, failed = stamp_path(output), failed_path(output)
    started_at = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    t0 = time.perf_counter()
    tmp = _temp_path(output)
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        _clean_temps(output)
        failed.unlink(missing_ok=True)
        _execute_notebook(job, tmp, kernel, start_timeout, fresh_kernels, inputs_key)
        stamp.unlink(missing_ok=True)  # from here on the output is the new one: no stamp until it is written
        os.replace(tmp, output)
        duration = time.perf_counter() - t0
        record = {
            "digest": digest,
            "sha256": file_sha256(output),
            "label": job.label,
            "template": str(job.template),
            "parameters": job.parameters,
            "kernel": kernel,
            "executed_at": started_at,
            "duration": round(duration, 3),
        }
        text = json.dumps(record, ensure_ascii=False, indent=1, default=str)
        write_atomic(stamp, lambda tmp: tmp.write_text(text, encoding="utf-8"))
        return JobResult(job.label, "executed", output, output, duration, started_at, None, digest)
    except (Exception, KeyboardInterrupt) as exc:  # one notebook never stops the others
        if isinstance(exc, OSError) and exc.errno is not None and exc.filename in (None, str(tmp)):
            exc.filename = str(output)  # a failed write() names no file; the user knows the output, not its temporary
        notebook = None
        if _is_notebook(tmp):
            os.replace(tmp, failed)
            notebook = failed
        tmp.unlink(missing_ok=True)  # a write cut short: nothing to open
        if not isinstance(exc, (OSError, KeyboardInterrupt)):
            # The notebook failed: a previous output was made from other inputs, never leave it
            # to be published. A failed write or an interruption leaves it in place.
            output.unlink(missing_ok=True)
            stamp.unlink(missing_ok=True)
        duration = time.perf_counter() - t0
        return JobResult(
            job.label, "failed", output, notebook, duration, started_at, _error_summary(exc), digest
        )


# --------------------------------------------------------------------------- parent side


def _check_unique_outputs(jobs: Sequence[NotebookJob]) -> None:
    counts = Counter(job.output.resolve() for job in jobs)
    duplicated = sorted(str(p) for p, n in counts.items() if n > 1)
    if duplicated:
        raise ValueError(f"plusieurs jobs écrivent le même notebook : {', '.join(duplicated)}")


def _kernel_log_path(log: logging.Logger | None) -> str | None:
    """Kernels' stderr goes beside the run log file (``<log>.kernels``), if there is one."""
    for handler in log.handlers if log else ():
        if isinstance(handler, logging.FileHandler):
            return handler.baseFilename + ".kernels"
    return None


class Workers:
    """Where ``execute_jobs`` sends its jobs: ``submit`` the pool's job function, iterate the
    futures ``as_completed``, ``close``. One ``Workers`` can serve several calls (the months of
    ``observatoire run --periodes``). Subclasses: ``LocalWorkers`` (default) and ``distribue.DaskWorkers``."""

    def submit(self, job: NotebookJob, kernel: str, digest: str, start_timeout: int, fresh_kernels: bool = False,
               inputs_key: str | None = None):
        raise NotImplementedError

    def as_completed(self, futures: Iterable) -> Iterable:
        raise NotImplementedError

    def cancel(self, futures: Iterable) -> None:
        """Cancel what has not started (Ctrl-C)."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class LocalWorkers(Workers):
    """A pool of ``jobs_n`` processes on this machine (``_init_worker``), started at the first
    job; the kernels' stderr goes to ``kernel_log`` (appended), else nowhere."""

    def __init__(self, jobs_n: int, kernel_log: str | None = None) -> None:
        if jobs_n < 1:
            raise ValueError(f"jobs_n doit être ≥ 1, reçu {jobs_n}")
        self.jobs_n, self.kernel_log = jobs_n, kernel_log
        self._pool: ProcessPoolExecutor | None = None

    def submit(self, job: NotebookJob, kernel: str, digest: str, start_timeout: int, fresh_kernels: bool = False,
               inputs_key: str | None = None) -> Future:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.jobs_n,
                mp_context=multiprocessing.get_context(_START_METHOD),
                initializer=_init_worker,
                initargs=(os.getpid(), self.kernel_log),
            )
        return self._pool.submit(_run_job, job, kernel, digest, start_timeout, fresh_kernels, inputs_key)

    def as_completed(self, futures: Iterable[Future]) -> Iterable[Future]:
        return as_completed(futures)

    def cancel(self, futures: Iterable[Future]) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None


def execute_jobs(
    jobs: Sequence[NotebookJob],
    *,
    jobs_n: int,
    kernel: str = config.KERNEL_NAME,
    inputs_digest: str,
    log: logging.Logger | None = None,
    progress: bool = True,
    start_timeout: int = 120,
    fresh_kernels: bool = False,
    workers: Workers | None = None,
) -> list[JobResult]:
    """Execute notebooks with papermill in ``jobs_n`` worker processes, or on ``workers``
    (``LocalWorkers``, ``distribue.DaskWorkers``) when given, which the caller closes.

    Jobs whose output is up to date (stamp digest of template bytes, parameters and
    ``inputs_digest``) are not executed: decided here, before any job is sent. A failing
    notebook never stops the others. Results come back in the order of ``jobs``. When ``log``
    has a file handler, the kernels' stderr of the local pool is appended to ``<log file>.kernels``. Each worker keeps its kernel from one
    notebook to the next, reset in between (its caches kept between notebooks of the same
    ``inputs_digest``); ``fresh_kernels`` starts a new kernel for each notebook.
    """
    if jobs_n < 1:
        raise ValueError(f"jobs_n doit être ≥ 1, reçu {jobs_n}")
    log = log or logging.getLogger(__name__)
    _check_unique_outputs(jobs)

    template_sha: dict[Path, str] = {}
    results: dict[int, JobResult] = {}
    to_run: list[tuple[int, NotebookJob, str]] = []
    for i, job in enumerate(jobs):
        template = job.template.resolve()
        if template not in template_sha:
            template_sha[template] = file_sha256(template) if template.is_file() else "missing"
        digest = job_digest(template_sha[template], job.parameters, inputs_digest)
        output = job.output.resolve()
        if is_up_to_date(output, digest):
            results[i] = JobResult(job.label, "up-to-date", output, output, 0.0, None, None, digest)
        else:
            to_run.append((i, job, digest))
    log.info("%d notebooks : %d à jour, %d à exécuter", len(jobs), len(results), len(to_run))

    if to_run and workers is None:
        with LocalWorkers(min(jobs_n, len(to_run)), _kernel_log_path(log)) as own:
            results |= _execute_pool(to_run, own, kernel, start_timeout, log, progress, fresh_kernels, inputs_digest)
    elif to_run:
        results |= _execute_pool(to_run, workers, kernel, start_timeout, log, progress, fresh_kernels, inputs_digest)
    return [results[i] for i in range(len(jobs))]


def _execute_pool(
    to_run: list[tuple[int, NotebookJob, str]],
    workers: Workers,
    kernel: str,
    start_timeout: int,
    log: logging.Logger,
    progress: bool,
    fresh_kernels: bool = False,
    inputs_digest: str | None = None,
) -> dict[int, JobResult]:
    results: dict[int, JobResult] = {}
    log.debug("%s, noyau %s", type(workers).__name__, kernel)
    n_failed = 0
    futures: dict = {}
    try:
        for i, job, digest in to_run:
            futures[workers.submit(job, kernel, digest, start_timeout, fresh_kernels, inputs_digest)] = (i, job)
        with tqdm(total=len(to_run), unit="nb", desc="Exécution", disable=not progress,
                  dynamic_ncols=True, smoothing=0.1) as bar:
            for future in workers.as_completed(futures):
                i, job = futures[future]
                try:
                    result = future.result()
                except Exception as exc:  # the worker process itself died
                    result = JobResult(job.label, "failed", job.output.resolve(), None, 0.0,
                                       None, _error_summary(exc), "")
                results[i] = result
                if result.status == "failed":
                    n_failed += 1
                    bar.set_postfix_str(f"{n_failed} en échec")
                    log.error("En échec : %s\n%s", describe_failure(result), result.error)
                else:
                    log.debug("%s exécuté en %.1f s", result.label, result.duration)
                bar.update()
    except BaseException:
        workers.cancel(futures)
        raise
    return results


# --------------------------------------------------------------------------- reporting


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n > 1 else ''}"


def describe_failure(result: JobResult) -> str:
    """What a failed job left, in French: ``label → notebook to open``, else that none was
    written and what is on disk: the previous notebook still in place (a write that failed
    leaves it), a failed notebook of an earlier run (a worker that died before the job began)."""
    if result.notebook is not None:
        return f"{result.label} → {result.notebook}"
    text = f"{result.label} → aucun notebook écrit"
    if result.output.is_file():
        text += f" ; le précédent reste en place ({result.output})"
    if failed_path(result.output).is_file():
        text += f" ; celui d'un run précédent en échec reste ({failed_path(result.output)})"
    return text


def summarize(results: Sequence[JobResult], noun: str = "fiche") -> str:
    """One French line, e.g. ``183 fiches : 180 exécutées, 2 à jour, 1 en échec : ti-0042 → chemin``.

    ``noun`` is a feminine French noun (fiche, monographie) pluralised with an s.
    """
    counts = Counter(r.status for r in results)
    text = (
        f"{_plural(len(results), noun)} : {_plural(counts['executed'], 'exécutée')}, "
        f"{counts['up-to-date']} à jour, {counts['failed']} en échec"
    )
    failed = [r for r in results if r.status == "failed"]
    if failed:
        text += " : " + " ; ".join(describe_failure(r) for r in failed)
    return text


def write_manifest(path: Path, results: Sequence[JobResult], extra: dict) -> None:
    """Write the month's manifest as JSON (temporary file + rename).

    The manifest accumulates the month's runs: the entries of the notebooks in ``results``
    replace those of the same output, the entries of notebooks an earlier run executed and this
    one did not (a run restricted to some territories) are kept, and ``counts`` covers them all.
    ``extra`` (input files with sha256, parameters, code version, period…) describes this run
    and is merged at the top level; ``generated_at``, ``counts`` and ``jobs`` are reserved.
    """
    reserved = {"generated_at", "counts", "jobs"} & extra.keys()
    if reserved:
        raise ValueError(f"clés réservées dans extra : {sorted(reserved)}")
    path = Path(path)
    entries = {
        str(r.output): {
            "label": r.label,
            "status": r.status,
            "output": str(r.output),
            "notebook": str(r.notebook) if r.notebook else None,
            "started_at": r.started_at,
            "duration": round(r.duration, 3),
            "digest": r.digest,
            "error": r.error,
        }
        for r in results
    }
    jobs = [entries.pop(job["output"], job) for job in _previous_jobs(path)] + list(entries.values())
    counts = Counter(job["status"] for job in jobs)
    manifest = {
        "generated_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        **extra,
        "counts": {"total": len(jobs), **{s: counts[s] for s in STATUSES}},
        "jobs": jobs,
    }
    text = json.dumps(manifest, ensure_ascii=False, indent=2, default=str)
    write_atomic(Path(path), lambda tmp: tmp.write_text(text, encoding="utf-8"))

def _previous_jobs(path: Path) -> list[dict]:
    """The job entries of the manifest already at ``path`` (none if absent or unreadable)."""
    try:
        jobs = json.loads(path.read_text(encoding="utf-8")).get("jobs", [])
    except (OSError, ValueError, AttributeError):
        return []
    return [job for job in jobs if isinstance(job, dict) and "output" in job]


