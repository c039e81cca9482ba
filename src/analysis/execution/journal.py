"""The log of a run (or of a history pass): everything, with timestamps, to a file under the
month's ``logs/``; INFO and above, concise, on the console through tqdm so that messages do
not break the progress bar."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from tqdm import tqdm

from analysis.fichiers import describe_os_error

class _RunLogFile(logging.FileHandler):
    """The run's log file. When it cannot be written (disk full, read-only), that is said once
    on stderr and the messages go on to the console only, instead of a traceback per message."""

    failure: str | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if self.failure is None:
            super().emit(record)

    def handleError(self, record: logging.LogRecord) -> None:
        error = sys.exc_info()[1]
        if not isinstance(error, OSError):
            super().handleError(record)
        elif self.failure is None:
            self.failure = describe_os_error(error, self.baseFilename)
            sys.stderr.write(f"journal du run non écrit : {self.failure} ; la suite ne s'affiche qu'ici\n")

    def close(self) -> None:
        try:
            super().close()
        except OSError:  # the unwritten end of a log that could not be written
            pass


class _TqdmConsoleHandler(logging.StreamHandler):
    """Console handler writing through tqdm, so that messages do not break the progress bar."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            tqdm.write(self.format(record), file=self.stream)
        except Exception:
            self.handleError(record)


def setup_run_logger(log_path: Path) -> logging.Logger:
    """Logger of one run: everything (with timestamps) to ``log_path``, INFO+ concise on stderr."""
    log_path = Path(log_path)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    logger = logging.getLogger("analysis.run")
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
        handler.close()
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    file_handler = _RunLogFile(log_path, mode="w", encoding="utf-8")
    file_handler.setLevel(logging.DEBUG)
    file_handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(message)s"))
    console = _TqdmConsoleHandler(sys.stderr)
    console.setLevel(logging.INFO)
    console.setFormatter(logging.Formatter("%(message)s"))
    logger.addHandler(file_handler)
    logger.addHandler(console)
    return logger
