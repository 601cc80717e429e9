"""Object storage figures: what the storage API costs per call on the S3 backend.

Against a real S3 protocol server: moto's server mode on loopback (started here), or the
store in FLUXNOTE_STORAGE_URL / AWS_* when --env is given (e.g. a MinIO). For each size
it measures `put_file` (boto3's managed transfer; multipart above 8 MB), a cold `fetch`
(download into the process cache), a warm `fetch` (a cache hit), `exists` on the store
(a HEAD request) and `url` (presigning, no network): the best of --repeat runs for
transfers, the median for the rest, with MB/s. Loopback figures are the API's own overhead (SDK, hashing, the local disk); a remote store adds its
network. Also printed: the load average (this machine is shared).

    .venv/bin/python bench/storage.py [--sizes 1,8,40] [--repeat 3] [--env]
"""

import argparse
import logging
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import boto3
from moto.server import ThreadedMotoServer

from fluxnote.config import from_env
from fluxnote.storage import services as storage

MB = 1024 * 1024


def moto_settings(data_dir: str) -> tuple[dict, ThreadedMotoServer]:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint, bucket = f"http://{host}:{port}", f"bench-{uuid.uuid4().hex[:8]}"
    aws = {
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_SESSION_TOKEN": "",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": endpoint,
    }
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="bench",
        aws_secret_access_key="bench",
        region_name="us-east-1",
    ).create_bucket(Bucket=bucket)
    env = {"FLUXNOTE_DATA_DIR": data_dir, "FLUXNOTE_STORAGE_URL": f"s3://{bucket}/bench", **aws}
    return env, server


def timed(fn, *args, **kwargs) -> tuple[float, object]:
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - started, result


def bench_size(size_mb: int, repeat: int, work: Path) -> dict:
    src = work / f"src-{size_mb}.mp4"
    src.write_bytes(os.urandom(size_mb * MB))
    puts, colds, warms, heads, signs = [], [], [], [], []
    for _ in range(repeat):
        seconds, key = timed(storage.put_file, src)
        puts.append(seconds)
        colds.append(timed(storage.fetch, key)[0])  # put copied: the cache is cold
        warms.append(timed(storage.fetch, key)[0])
        heads.append(timed(storage.store().exists, key)[0])  # a HEAD, not the cache
        signs.append(timed(storage.url, key, content_type="video/mp4")[0])
        storage.delete(key)
    return {
        "put": min(puts),
        "fetch cold": min(colds),
        "fetch warm": min(warms),
        "head": statistics.median(heads),
        "presign": statistics.median(signs),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,8,40", help="object sizes in MB")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--env", action="store_true", help="use the configured store")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        server = None
        if args.env:
            env = {**os.environ, "FLUXNOTE_DATA_DIR": work}
        else:
            env, server = moto_settings(work)
        os.environ.update(env)  # config.current() reads the environment outside an app
        settings = from_env(env)
        print(f"store: {settings['STORAGE_URL']} at {settings['AWS']['AWS_ENDPOINT_URL'] or 'AWS'}")
        print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        ok, detail = storage.check()
        print(f"check: {'ok' if ok else 'FAILED'} {detail}")
        print(f"{'size':>6} {'op':>11} {'seconds':>9} {'MB/s':>8}")
        for size in (int(s) for s in args.sizes.split(",")):
            for op, seconds in bench_size(size, args.repeat, Path(work)).items():
                rate = f"{size / seconds:8.1f}" if op in ("put", "fetch cold") else ""
                print(f"{size:>4}MB {op:>11} {seconds:9.4f} {rate:>8}")
        if server:
            server.stop()


if __name__ == "__main__":
    main()
