"""Notebook jobs on a dask.distributed cluster (``observatoire run --executeur dask``): the same
executed notebooks and manifest as the local pool, the same skip, bad input refused."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import nbformat
import pytest

from analysis import cli, config, mois
from analysis.execution import distribue, pipeline
from analysis.execution.pipeline import LocalWorkers, NotebookJob, execute_jobs, write_manifest
from test_pipeline import KERNEL, SQUARE, write_template

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c:
        yield c


def _jobs(folder: Path, template: Path) -> list[NotebookJob]:
    return [NotebookJob(template, folder / f"ti-{x}.ipynb", {"x": x, "fail": x == 4}, f"ti-{x}") for x in (2, 3, 4, 5)]


def _notebook(path: Path) -> dict:
    """An executed notebook without what differs between two executions: timings, paths."""
    nb = nbformat.read(path, as_version=4)
    nb.metadata.pop("papermill", None)
    nb.metadata.pop(pipeline.METADATA_KEY, None)  # the kernel's processor time
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        cell.pop("id", None)
    return json.loads(json.dumps(nb).replace(str(path.parent), "<dossier>"))


def _manifest(path: Path) -> list[dict]:
    jobs = json.loads(path.read_text(encoding="utf-8"))["jobs"]
    drop = {"started_at", "duration"}
    return [{k: (v.replace(str(path.parent), "<dossier>") if isinstance(v, str) else v) for k, v in job.items() if k not in drop}
            for job in jobs]


def test_a_dask_cluster_gives_the_notebooks_and_manifest_of_the_local_pool(tmp_path, cluster):
    template = write_template(tmp_path / "carre.ipynb", SQUARE)
    outcomes = {}
    for name in ("local", "dask"):
        folder = tmp_path / name
        if name == "local":
            results = execute_jobs(_jobs(folder, template), jobs_n=2, kernel=KERNEL, inputs_digest="d0", progress=False)
        else:
            with distribue.DaskWorkers(cluster.scheduler_address) as workers:
                results = execute_jobs(_jobs(folder, template), jobs_n=2, kernel=KERNEL, inputs_digest="d0", progress=False,
                                       workers=workers)
        write_manifest(folder / "manifeste.json", results, {"periode": "2026-12"})
        outcomes[name] = results
    assert [r.status for r in outcomes["dask"]] == ["executed", "executed", "failed", "executed"]
    assert [(r.label, r.status, r.digest) for r in outcomes["dask"]] == [(r.label, r.status, r.digest) for r in outcomes["local"]]
    assert "échec voulu pour 4" in outcomes["dask"][2].error
    for x in (2, 3, 5):
        dask_nb, local_nb = _notebook(tmp_path / "dask" / f"ti-{x}.ipynb"), _notebook(tmp_path / "local" / f"ti-{x}.ipynb")
        assert dask_nb == local_nb
        assert [o["text"] for c in dask_nb["cells"] for o in c["outputs"]] == [f"{x * x}\n"]
        assert (tmp_path / "dask" / f"carre_{x}.txt").read_text().startswith(f"{x * x} ")  # the kernel ran in the output's folder
    assert _notebook(pipeline.failed_path(tmp_path / "dask" / "ti-4.ipynb")) == _notebook(pipeline.failed_path(tmp_path / "local" / "ti-4.ipynb"))
    assert _manifest(tmp_path / "dask" / "manifeste.json") == _manifest(tmp_path / "local" / "manifeste.json")


def test_up_to_date_jobs_are_never_sent_to_the_cluster(tmp_path, cluster):
    template = write_template(tmp_path / "carre.ipynb", SQUARE)
    jobs = [NotebookJob(template, tmp_path / f"ti-{x}.ipynb", {"x": x}, f"ti-{x}") for x in (2, 3, 4)]
    with LocalWorkers(1) as local:  # a pool shared by two calls, as the months of --periodes share it
        execute_jobs(jobs[:2], jobs_n=1, kernel=KERNEL, inputs_digest="d0", progress=False, workers=local)
        sent: list[str] = []
        with distribue.DaskWorkers(cluster.scheduler_address) as workers:
            submit = workers.submit
            workers.submit = lambda job, *a: sent.append(job.label) or submit(job, *a)
            results = execute_jobs(jobs, jobs_n=1, kernel=KERNEL, inputs_digest="d0", progress=False, workers=workers)
    assert sent == ["ti-4"]
    assert [r.status for r in results] == ["up-to-date", "up-to-date", "executed"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_bad_scheduler_options_exit_2_before_anything_is_written(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(config, "OUTPUTS_DIR", tmp_path / "outputs")
    monkeypatch.setattr(distribue, "CONNEXION_S", 1)
    for argv, said in (
        (["run", "--periode", "2026-11", "--planificateur", "tcp://127.0.0.1:8786"], "--planificateur va avec --executeur dask"),
        (["run", "--periode", "2026-11", "--executeur", "dask"], "--planificateur va avec --executeur dask"),
        (["run", "--periode", "2026-11", "--executeur", "dask", "--planificateur", f"tcp://127.0.0.1:{_free_port()}"],
         "planificateur dask injoignable à tcp://127.0.0.1:"),
        (["run", "--periodes", "2026-11:2026-09"], "plage de mois vide : 2026-11 est après 2026-09"),
    ):
        assert cli.main(argv) == 2
        assert said in capsys.readouterr().err
    assert not (tmp_path / "outputs").exists()


def test_periodes_runs_each_month_in_order_on_one_pool(tmp_path, monkeypatch):
    from analysis.execution import run

    calls = []
    monkeypatch.setattr(run, "run_periode", lambda periode, **kw: calls.append((periode, kw["workers"])) or run.RunOutcome(
        periode=periode, results=[], manifest=Path("m"), site=None, renderer=None))
    monkeypatch.setattr(mois, "historique_logs_dir", lambda: tmp_path)
    assert cli.main(["run", "--periodes", "2026-10:2026-12", "--sans-rendu", "--jobs", "1"]) == 0
    assert [p for p, _ in calls] == ["2026-10", "2026-11", "2026-12"]
    assert len({id(w) for _, w in calls}) == 1 and isinstance(calls[0][1], LocalWorkers)
