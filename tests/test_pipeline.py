"""Notebook execution engine: parallel papermill runs, up-to-date skipping, failures, atomicity."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import nbformat
import pytest

from analysis import config
from analysis.donnees.cache import sources_digest
from analysis.donnees.provenance import code_version
from analysis.execution.journal import setup_run_logger
from analysis.execution.pipeline import (
    JobResult,
    NotebookJob,
    digest_files,
    execute_jobs,
    failed_path,
    is_up_to_date,
    job_digest,
    stamp_path,
    summarize,
    write_manifest,
)

KERNEL = config.KERNEL_NAME


def write_template(path: Path, body: str, params: str = "x = 0\nfail = False") -> Path:
    """A tiny notebook: a `parameters`-tagged cell, then `body`."""
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(params)
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell, nbformat.v4.new_code_cell(textwrap.dedent(body))]
    nb.metadata["kernelspec"] = {"name": KERNEL, "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


SQUARE = """
import os, pathlib
pathlib.Path(f"carre_{x}.txt").write_text(f"{x * x} {os.getppid()}")
if fail:
    raise ValueError(f"échec voulu pour {x}")
print(x * x)
"""


def run(jobs, **kw):
    return execute_jobs(jobs, jobs_n=2, kernel=KERNEL, inputs_digest=kw.pop("inputs", "d0"),
                        log=None, progress=False, **kw)


def stdout_of(notebook: Path) -> str:
    nb = nbformat.read(notebook, as_version=4)
    nbformat.validate(nb)
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)


def test_executes_jobs_in_parallel_workers_and_writes_outputs_beside_their_figures(tmp_path):
    template = write_template(tmp_path / "carre.ipynb", SQUARE)
    jobs = [NotebookJob(template, tmp_path / "out" / f"ti-{x}.ipynb", {"x": x}, f"ti-{x}")
            for x in (2, 3, 4, 5)]
    results = run(jobs)

    assert [r.status for r in results] == ["executed"] * 4
    assert [r.label for r in results] == ["ti-2", "ti-3", "ti-4", "ti-5"]
    for x, r in zip((2, 3, 4, 5), results):
        assert r.notebook == r.output == (tmp_path / "out" / f"ti-{x}.ipynb").resolve()
        assert stdout_of(r.output).strip() == str(x * x)
        assert r.duration > 0 and r.error is None
        assert json.loads(stamp_path(r.output).read_text())["digest"] == r.digest
    # the kernel ran in the output's folder: files it wrote land beside the notebook
    written = {p.name: p.read_text().split() for p in (tmp_path / "out").glob("carre_*.txt")}
    assert {k: v[0] for k, v in written.items()} == {f"carre_{x}.txt": str(x * x) for x in (2, 3, 4, 5)}
    # two worker processes (the kernels' parents), each reused for two notebooks
    assert len({v[1] for v in written.values()}) == 2
    # nothing temporary left behind
    assert not list((tmp_path / "out").glob(".*"))


def test_second_run_executes_nothing_and_changes_reexecute_only_their_job(tmp_path):
    a = write_template(tmp_path / "a.ipynb", SQUARE)
    b = write_template(tmp_path / "b.ipynb", SQUARE)
    out = tmp_path / "out"
    jobs = [NotebookJob(a, out / "j0.ipynb", {"x": 1}), NotebookJob(a, out / "j1.ipynb", {"x": 2}),
            NotebookJob(b, out / "j2.ipynb", {"x": 3})]
    assert [r.status for r in run(jobs)] == ["executed"] * 3
    mtimes = [j.output.stat().st_mtime_ns for j in jobs]

    again = run(jobs)
    assert [r.status for r in again] == ["up-to-date"] * 3
    assert [j.output.stat().st_mtime_ns for j in jobs] == mtimes
    assert summarize(again) == "3 fiches : 0 exécutée, 3 à jour, 0 en échec"

    jobs[0] = NotebookJob(a, out / "j0.ipynb", {"x": 7})
    assert [r.status for r in run(jobs)] == ["executed", "up-to-date", "up-to-date"]
    assert stdout_of(jobs[0].output).strip() == "49"

    write_template(b, SQUARE.replace("print(x * x)", "print(x * x * x)"))
    assert [r.status for r in run(jobs)] == ["up-to-date", "up-to-date", "executed"]
    assert stdout_of(jobs[2].output).strip() == "27"

    # new input data invalidate the jobs
    assert [r.status for r in run(jobs[:1], inputs="d1")] == ["executed"]


def test_failing_notebook_does_not_stop_the_others(tmp_path):
    template = write_template(tmp_path / "carre.ipynb", SQUARE)
    out = tmp_path / "out"
    jobs = [NotebookJob(template, out / f"ti-{x}.ipynb", {"x": x, "fail": x == 2}, f"ti-{x}")
            for x in (1, 2, 3)]
    # a previous run left an output for ti-2 made from other inputs: it must not survive a failure
    out.mkdir()
    jobs[1].output.write_text("{}")
    stamp_path(jobs[1].output).write_text(json.dumps({"digest": "ancien"}))

    results = run(jobs)

    assert [r.status for r in results] == ["executed", "failed", "executed"]
    failed = results[1]
    assert failed.notebook == failed_path(jobs[1].output.resolve()) == (out / "ti-2.failed.ipynb").resolve()
    assert failed.error.endswith("ValueError: échec voulu pour 2")
    nb = nbformat.read(failed.notebook, as_version=4)
    assert nb.metadata.papermill["exception"] is True
    assert any(o.get("ename") == "ValueError" for c in nb.cells for o in c.get("outputs", []))
    assert not jobs[1].output.exists() and not stamp_path(jobs[1].output).exists()
    assert summarize(results) == (
        f"3 fiches : 2 exécutées, 0 à jour, 1 en échec : ti-2 → {out.resolve() / 'ti-2.failed.ipynb'}"
    )

    manifest = tmp_path / "run" / "manifest.json"
    write_manifest(manifest, results, {"periode": "2025-06", "code_version": "v-test"})
    data = json.loads(manifest.read_text())
    assert data["periode"] == "2025-06"
    assert data["counts"] == {"total": 3, "executed": 2, "up-to-date": 0, "failed": 1}
    assert [j["status"] for j in data["jobs"]] == ["executed", "failed", "executed"]
    assert data["jobs"][1]["notebook"].endswith("ti-2.failed.ipynb")
    with pytest.raises(ValueError, match="jobs"):
        write_manifest(manifest, results, {"jobs": []})

    # fixed: the failed job runs again (only it), and its failed copy goes away
    jobs[1] = NotebookJob(template, out / "ti-2.ipynb", {"x": 2}, "ti-2")
    assert [r.status for r in run(jobs)] == ["up-to-date", "executed", "up-to-date"]
    assert not failed_path(jobs[1].output).exists()


def test_interrupted_run_leftovers_never_count_as_done(tmp_path):
    template = write_template(tmp_path / "carre.ipynb", SQUARE)
    job = NotebookJob(template, tmp_path / "ti-6.ipynb", {"x": 6})
    (result,) = run([job])
    assert result.status == "executed"
    # what a kill between papermill's write and the stamp leaves: a temporary notebook,
    # a stamp temporary, an output without stamp (here truncated)
    stamp_path(job.output).unlink()
    job.output.write_text('{"cells": [')
    (tmp_path / ".ti-6.ipynb.4242.tmp.ipynb").write_text("partiel")
    (tmp_path / ".ti-6.ipynb.json.4242.tmp.json").write_text("{")
    assert not is_up_to_date(job.output, result.digest)

    (again,) = run([job])

    assert again.status == "executed"
    assert stdout_of(job.output).strip() == "36"
    assert is_up_to_date(job.output, again.digest)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_a_disk_full_at_the_notebook_write_keeps_the_previous_one_and_leaves_nothing_half_written(
    tmp_path, monkeypatch, notebook_disk_full
):
    template = write_template(tmp_path / "carre.ipynb", SQUARE)
    out = tmp_path / "out"
    good, bad = out / "ti-3.ipynb", out / "ti-4.ipynb"
    first = run([NotebookJob(template, good, {"x": 3}, "ti-3"), NotebookJob(template, bad, {"x": 4, "fail": True}, "ti-4")])
    assert [r.status for r in first] == ["executed", "failed"]
    previous = {p: p.read_bytes() for p in (good, stamp_path(good))}

    notebook_disk_full(200)
    results = run([NotebookJob(template, good, {"x": 5}, "ti-3"), NotebookJob(template, bad, {"x": 6, "fail": True}, "ti-4")])

    assert [r.status for r in results] == ["failed", "failed"]
    assert {p: p.read_bytes() for p in previous} == previous  # the previous notebook and its stamp, as they were
    assert [r.notebook for r in results] == [None, None]
    # a .failed.ipynb is a whole notebook or absent; no temporary is left
    assert sorted(p.name for p in out.iterdir()) == ["carre_3.txt", "carre_4.txt", "carre_5.txt", "carre_6.txt",
                                                     "ti-3.ipynb", "ti-3.ipynb.json"]
    assert results[0].error == f"plus de place sur le disque ({good.resolve()})"
    assert summarize(results) == (
        f"2 fiches : 0 exécutée, 0 à jour, 2 en échec : ti-3 → aucun notebook écrit ; le précédent reste en place "
        f"({good.resolve()}) ; ti-4 → aucun notebook écrit"
    )

    monkeypatch.undo()  # space again: the next run executes it, the previous notebook never counted for the new one
    assert [r.status for r in run([NotebookJob(template, good, {"x": 5}, "ti-3")])] == ["executed"]
    assert stdout_of(good).strip() == "25"


def test_an_output_that_is_a_folder_is_said_in_french(tmp_path):
    template = write_template(tmp_path / "carre.ipynb", SQUARE)
    folder = tmp_path / "out" / "ti-7.ipynb"
    folder.mkdir(parents=True)
    (result,) = run([NotebookJob(template, folder, {"x": 7}, "ti-7")])
    assert result.status == "failed"
    assert result.error == f"c'est un dossier, un fichier est attendu ({folder.resolve()})"  # not "IsADirectoryError: Is a directory"
    assert stdout_of(result.notebook).strip() == "49"  # the executed notebook is kept whole, to be opened
    assert summarize([result]) == f"1 fiche : 0 exécutée, 0 à jour, 1 en échec : ti-7 → {failed_path(folder.resolve())}"


def test_a_truncated_notebook_with_its_stamp_is_executed_again(tmp_path):
    template = write_template(tmp_path / "carre.ipynb", SQUARE)
    job = NotebookJob(template, tmp_path / "ti-7.ipynb", {"x": 7})
    (result,) = run([job])
    text = job.output.read_bytes()
    job.output.write_bytes(text[: len(text) // 2])  # a full disk or a kill: the stamp stays
    assert stamp_path(job.output).exists()

    (again,) = run([job])

    assert again.status == "executed"
    assert stdout_of(job.output).strip() == "49"
    assert [r.status for r in run([job])] == ["up-to-date"]


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if stat.read_text().rsplit(")", 1)[1].split()[1] == str(pid):
                found.append(int(stat.parent.name))
        except OSError:  # ended meanwhile
            continue
    return found


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="relies on /proc and SIGKILL")
def test_sigkilled_run_leaves_nothing_counted_and_rerun_completes(tmp_path):
    release = tmp_path / "release"
    template = write_template(tmp_path / "attente.ipynb", f"""
        import os, pathlib, time
        pathlib.Path(f"demarre_{{x}}").write_text(str(os.getpid()))
        while x > 0 and not os.path.exists({str(release)!r}):
            time.sleep(0.05)
        print(x)
        """)
    out = tmp_path / "out"
    specs = [(str(template), str(out / f"ti-{x}.ipynb"), {"x": x}) for x in (0, 1, 2)]
    script = textwrap.dedent(f"""
        from analysis.execution.pipeline import NotebookJob, execute_jobs
        jobs = [NotebookJob(*spec) for spec in {specs!r}]
        execute_jobs(jobs, jobs_n=2, kernel={KERNEL!r}, inputs_digest="d", log=None, progress=False)
        """)
    temp = tmp_path / "tmp"  # where the kernels' connection files go
    temp.mkdir()
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env={**os.environ, "TMPDIR": str(temp)})
    try:
        deadline = time.monotonic() + 40
        while not (stamp_path(out / "ti-0.ipynb").exists() and (out / "demarre_1").exists()):
            assert proc.poll() is None and time.monotonic() < deadline, "run did not progress"
            time.sleep(0.05)
        # killed as the first worker starts the kernel of its second notebook: a kernel still
        # starting wrote its connection file again after its worker had removed it
        workers = _children(proc.pid)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + 10
        while any(_alive(w) for w in workers):
            assert time.monotonic() < deadline, "worker still running"
            time.sleep(0.1)
        time.sleep(1)  # what a kernel still starting would write meanwhile
        assert _connection_files(temp) == [] and list(temp.iterdir()) == []

        # the kernel of the notebook in progress does not outlive the run (it could not
        # finish its job behind the rerun's back)
        kernel_pid = int((out / "demarre_1").read_text())
        deadline = time.monotonic() + 10
        while _alive(kernel_pid):
            assert time.monotonic() < deadline, "orphan kernel still running"
            time.sleep(0.1)
        assert not (out / "ti-1.ipynb").exists() and not stamp_path(out / "ti-1.ipynb").exists()
    finally:
        proc.kill()
        release.touch()  # lets any survivor finish instead of waiting forever

    jobs = [NotebookJob(*spec) for spec in specs]
    results = run(jobs, inputs="d")

    assert [r.status for r in results] == ["up-to-date", "executed", "executed"]
    assert [stdout_of(j.output).strip() for j in jobs] == ["0", "1", "2"]
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="relies on /proc and SIGKILL")
def _connection_files(folder: Path) -> list[Path]:
    """Kernel connection files under ``folder`` (JSON with the kernel's ports)."""
    def is_connection(path: Path) -> bool:
        try:
            return "shell_port" in json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, TypeError):
            return False

    return [p for p in folder.rglob("*.json") if is_connection(p)]


def test_a_killed_run_leaves_no_kernel_connection_file(tmp_path):
    temp, runtime = tmp_path / "tmp", tmp_path / "runtime"  # where jupyter_client writes them (mkstemp, or runtime)
    temp.mkdir()
    started = tmp_path / "demarre"
    template = write_template(tmp_path / "attente.ipynb", f"""
        import os, pathlib, time
        pathlib.Path({str(started)!r}).write_text(str(os.getpid()))
        time.sleep(60)
        """)
    script = textwrap.dedent(f"""
        from analysis.execution.pipeline import NotebookJob, execute_jobs
        execute_jobs([NotebookJob({str(template)!r}, {str(tmp_path / "ti-1.ipynb")!r}, {{"x": 1}})], jobs_n=1,
                     kernel={KERNEL!r}, inputs_digest="d", log=None, progress=False)
        """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "TMPDIR": str(temp), "JUPYTER_RUNTIME_DIR": str(runtime)})
    try:
        deadline = time.monotonic() + 40
        while not started.exists():
            assert proc.poll() is None and time.monotonic() < deadline, "run did not progress"
            time.sleep(0.05)
        kernel = int(started.read_text())
        worker = int(Path(f"/proc/{kernel}/stat").read_text().rsplit(")", 1)[1].split()[1])
        assert len(_connection_files(tmp_path)) == 1  # the kernel's, while it runs
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + 10
        while _alive(worker) or _alive(kernel):
            assert time.monotonic() < deadline, "worker or kernel still running"
            time.sleep(0.1)
    finally:
        proc.kill()
    assert _connection_files(tmp_path) == []  # removed by the worker that created it
    assert not list(temp.glob("observatoire-noyaux-*"))


def test_duplicate_outputs_and_bad_worker_count_are_refused(tmp_path):
    job = NotebookJob(tmp_path / "t.ipynb", tmp_path / "o.ipynb", {})
    with pytest.raises(ValueError, match="même notebook"):
        run([job, NotebookJob(tmp_path / "u.ipynb", tmp_path / "o.ipynb", {})])
    with pytest.raises(ValueError, match="jobs_n"):
        execute_jobs([job], jobs_n=0, kernel=KERNEL, inputs_digest="", log=None)


def test_missing_template_is_a_failure_without_notebook(tmp_path):
    (result,) = run([NotebookJob(tmp_path / "absent.ipynb", tmp_path / "o.ipynb", {}, "ti-x")])
    assert result.status == "failed" and result.notebook is None
    assert "absent.ipynb" in result.error
    assert summarize([result]) == "1 fiche : 0 exécutée, 0 à jour, 1 en échec : ti-x → aucun notebook écrit"


def test_a_failure_without_notebook_names_what_is_on_disk(tmp_path):
    output = tmp_path / "ti-9.ipynb"
    failed_path(output).write_text("{}")  # left by an earlier run, when a worker died before the job began
    result = JobResult("ti-9", "failed", output, None, 0.0, None, "BrokenProcessPool: un processus est mort", "")
    assert summarize([result]) == (
        f"1 fiche : 0 exécutée, 0 à jour, 1 en échec : ti-9 → aucun notebook écrit ; celui d'un run précédent en échec "
        f"reste ({failed_path(output)})"
    )


def test_summarize_counts_in_french():
    results = [
        JobResult("ti-0001", "executed", Path("/o/ti-0001.ipynb"), Path("/o/ti-0001.ipynb"), 2.0),
        JobResult("ti-0002", "up-to-date", Path("/o/ti-0002.ipynb"), Path("/o/ti-0002.ipynb"), 0.0),
        JobResult("ti-0003", "executed", Path("/o/ti-0003.ipynb"), Path("/o/ti-0003.ipynb"), 2.0),
        JobResult("ti-0042", "failed", Path("/o/ti-0042.ipynb"), Path("/o/ti-0042.failed.ipynb"), 1.0,
                  error="KeyError: 'x'"),
    ]
    assert summarize(results) == (
        "4 fiches : 2 exécutées, 1 à jour, 1 en échec : ti-0042 → /o/ti-0042.failed.ipynb"
    )
    assert summarize(results[:1], noun="monographie") == "1 monographie : 1 exécutée, 0 à jour, 0 en échec"


def test_digests(tmp_path):
    f1, f2 = tmp_path / "a.parquet", tmp_path / "b.csv"
    f1.write_bytes(b"abc")
    f2.write_bytes(b"def")
    d = digest_files([f1, f2])
    assert d == digest_files([f2, f1])
    f2.write_bytes(b"deg")
    assert digest_files([f1, f2]) != d
    assert job_digest("t", {"x": 1}, "i") == job_digest("t", {"x": 1}, "i")
    assert len({job_digest("t", {"x": 1}, "i"), job_digest("t", {"x": 2}, "i"),
                job_digest("u", {"x": 1}, "i"), job_digest("t", {"x": 1}, "j")}) == 4


def test_code_version_follows_uncommitted_source_edits(tmp_path):
    assert "+src." in code_version()
    pkg = tmp_path / "analysis"
    (pkg / "__pycache__").mkdir(parents=True)
    (pkg / "m.py").write_text("def f():\n    return 1\n")
    before = sources_digest(pkg)
    (pkg / "__pycache__" / "m.cpython-311.pyc").write_bytes(b"\0")
    assert sources_digest(pkg) == before
    (pkg / "m.py").write_text("def f():\n    return 2\n")
    assert sources_digest(pkg) != before


def test_run_logger_file_gets_details_console_stays_concise(tmp_path, capsys):
    log = setup_run_logger(tmp_path / "logs" / "run.log")
    log.debug("détail %d", 1)
    log.info("ti-0001 exécutée")
    log = setup_run_logger(tmp_path / "logs" / "run.log")  # a second set-up does not duplicate
    log.warning("attention")
    for handler in log.handlers:
        handler.flush()
    err = capsys.readouterr().err
    assert err.splitlines() == ["ti-0001 exécutée", "attention"]
    text = (tmp_path / "logs" / "run.log").read_text(encoding="utf-8")
    assert "WARNING" in text and "attention" in text  # the file is per run (overwritten)
    assert log.level == logging.DEBUG and not log.propagate


DIES_ONCE = """
import sys
from pathlib import Path

starts, marker = Path(sys.argv[1]), Path(sys.argv[2])
with starts.open("a") as f:
    f.write("start\\n")
if not marker.exists():  # the first start: exit before replying, as a kernel whose port was taken
    marker.touch()
    sys.exit(1)
sys.argv = [sys.argv[0], *sys.argv[3:]]
from ipykernel import kernelapp

kernelapp.launch_new_instance()
"""


@pytest.fixture
def kernel_dying_once(tmp_path, monkeypatch):
    """A kernelspec whose kernel dies at its first start, then starts normally; returns
    (kernel name, file counting the starts)."""
    script = tmp_path / "meurt_une_fois.py"
    script.write_text(DIES_ONCE, encoding="utf-8")
    starts = tmp_path / "demarrages.txt"
    spec = tmp_path / "jupyter" / "kernels" / "meurt-une-fois"
    spec.mkdir(parents=True)
    argv = [sys.executable, str(script), str(starts), str(tmp_path / "deja-mort"), "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": "meurt une fois", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))  # the pool workers inherit it
    return "meurt-une-fois", starts


def test_a_notebook_whose_kernel_died_at_start_is_executed_once_more(tmp_path, kernel_dying_once):
    kernel, starts = kernel_dying_once
    template = write_template(tmp_path / "t.ipynb", SQUARE)
    jobs = [NotebookJob(template, tmp_path / "out" / "a.ipynb", {"x": 3})]
    [result] = execute_jobs(jobs, jobs_n=1, kernel=kernel, inputs_digest="d0", progress=False)
    assert result.status == "executed", result.error
    assert starts.read_text().count("start") == 2  # died ("Kernel died before replying to kernel_info"), then ran
    assert stdout_of(result.output).strip() == "9"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.ipynb", "a.ipynb.json", "carre_3.txt"]

    # a notebook whose kernel ran a cell is not executed again: its failure is its own
    jobs = [NotebookJob(template, tmp_path / "out" / "b.ipynb", {"x": 4, "fail": True})]
    [result] = execute_jobs(jobs, jobs_n=1, kernel=kernel, inputs_digest="d0", progress=False)
    assert result.status == "failed" and "échec voulu pour 4" in result.error
    assert starts.read_text().count("start") == 3


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the patched port choice reaches the workers by fork")
def test_a_port_taken_between_its_choice_and_the_kernel_bind_is_survived(tmp_path, monkeypatch):
    """Why kernels die at start under parallel launches: jupyter_client chooses a kernel's ports
    by binding port 0 and closing the socket, the kernel binds them once started, and a port
    taken in between (another worker's kernel, any program on the machine) makes it exit."""
    import socket

    from jupyter_client.connect import LocalPortCache

    from analysis.execution import pipeline

    held = socket.socket()
    held.bind(("127.0.0.1", 0))
    held.listen()
    taken, real, chosen = held.getsockname()[1], LocalPortCache.find_available_port, []

    def find_available_port(self, ip):
        chosen.append(1)
        return taken if len(chosen) == 1 else real(self, ip)  # the first kernel's shell port

    monkeypatch.setattr(LocalPortCache, "find_available_port", find_available_port)
    log = setup_run_logger(tmp_path / "run.log")
    template = write_template(tmp_path / "t.ipynb", SQUARE)
    with held:
        [result] = execute_jobs([NotebookJob(template, tmp_path / "out" / "a.ipynb", {"x": 5})], jobs_n=1,
                                inputs_digest="d0", log=log, progress=False)
        assert result.status == "executed", result.error
        kernels = (tmp_path / "run.log.kernels").read_text(encoding="utf-8")
        assert f"Address already in use (addr='tcp://127.0.0.1:{taken}')" in kernels
        monkeypatch.setattr(pipeline, "KERNEL_START_RETRIES", 0)
        chosen.clear()
        [result] = execute_jobs([NotebookJob(template, tmp_path / "out" / "b.ipynb", {"x": 6})], jobs_n=1,
                                inputs_digest="d0", log=log, progress=False)
        assert result.status == "failed" and "Kernel died before replying to kernel_info" in result.error
