"""Notebook jobs on a ``dask.distributed`` cluster: ``observatoire run --executeur dask
--planificateur tcp://HÔTE:PORT``.

``DaskWorkers`` is a ``pipeline.Workers``: ``pipeline.execute_jobs`` decides which jobs are up
to date, then submits the same job function as the local pool (``pipeline._run_job``, with the
same arguments) to the cluster's workers, and gathers the results as they come, with the same
progress bar, failure isolation and manifest. The cluster is started by someone else (``dask
scheduler`` and ``dask worker``, or dask-jobqueue's ``SLURMCluster`` on a university cluster);
its workers must see the repository and ``outputs/`` at the same paths (a shared file system),
have the project's environment with its Jupyter kernel, and one thread each (a worker executes
one notebook at a time, as a process of the local pool does).
"""

from __future__ import annotations

import os
from collections.abc import Iterable

import distributed

from analysis.execution.pipeline import NotebookJob, Workers, _init_worker, _run_job

CONNEXION_S = 10  # how long to wait for the scheduler before saying it is unreachable


class PlanificateurError(ValueError):
    """The dask scheduler given cannot be used (unreachable, workers with several threads)."""


class _WorkerSetup(distributed.WorkerPlugin):
    """The local pool's initializer (``pipeline._init_worker``) in each dask worker, after the
    client's ``OBSERVATOIRE_*`` variables (folders, mirror, sources), which the kernels read
    and a remote worker does not inherit."""

    name = "observatoire-init-worker"

    def __init__(self, environment: dict[str, str]) -> None:
        self.environment = environment

    def setup(self, worker: distributed.Worker) -> None:
        os.environ.update(self.environment)
        _init_worker(os.getppid(), None)


class DaskWorkers(Workers):
    """The workers of the cluster whose scheduler is at ``address`` (see the module docstring).
    Raises ``PlanificateurError`` when it cannot be reached or a worker has several threads."""

    def __init__(self, address: str) -> None:
        try:
            self.client = distributed.Client(address, timeout=CONNEXION_S, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as error:
            raise PlanificateurError(
                f"planificateur dask injoignable à {address} ({type(error).__name__} : {error}) : donnez "
                "l'adresse d'un planificateur en marche, par exemple tcp://127.0.0.1:8786"
            ) from None
        workers = self.client.scheduler_info()["workers"].values()
        several = [w for w in workers if w.get("nthreads", 1) != 1]
        if several:
            self.client.close()
            raise PlanificateurError(
                f"les workers dask de {address} doivent avoir un seul thread chacun (dask worker --nthreads 1) : "
                f"{len(several)} sur {len(workers)} en ont plusieurs"
            )
        environment = {k: v for k, v in os.environ.items() if k.startswith("OBSERVATOIRE_")}
        self.client.register_plugin(_WorkerSetup(environment))

    def submit(self, job: NotebookJob, kernel: str, digest: str, start_timeout: int,
               fresh_kernels: bool = False, inputs_key: str | None = None) -> distributed.Future:
        return self.client.submit(_run_job, job, kernel, digest, start_timeout, fresh_kernels, inputs_key, pure=False)

    def as_completed(self, futures: Iterable[distributed.Future]) -> Iterable[distributed.Future]:
        return distributed.as_completed(futures, loop=self.client.loop)

    def cancel(self, futures: Iterable[distributed.Future]) -> None:
        self.client.cancel(list(futures))

    def close(self) -> None:
        self.client.close()

