"""A real worker process for the kill test: `python -m tests.generation.worker_main DB REDIS DATA`.

It serves the offline provider id with a fake that never finishes and writes the pid of
the process running the job (RQ's work horse, in its own process group) to
DATA/horse.pid, so the test can SIGKILL the worker and its horse mid-job.
"""

import sys

from fluxnote import create_app
from fluxnote.providers import registry
from fluxnote.tasks import run_worker
from tests.generation.conftest import FakeProvider


def main(database_url: str, redis_url: str, data_dir: str) -> None:
    stuck = FakeProvider("offline", mode="sleep", pid_file=f"{data_dir}/horse.pid")
    registry.get_provider = lambda pid: stuck
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "REDIS_URL": redis_url,
            "DATA_DIR": data_dir,
            "MEDIA_DIR": f"{data_dir}/media",
            "TESTING": True,
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    run_worker(app, ["default"], burst=True)


if __name__ == "__main__":
    main(*sys.argv[1:4])
