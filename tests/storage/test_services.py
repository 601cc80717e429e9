"""The storage API against a real S3 protocol server (moto) and against local files."""

import os
import time
from pathlib import Path

import httpx
import pytest

from fluxnote.storage import services as storage
from fluxnote.storage.base import MissingObject, StorageUnavailable
from fluxnote.storage.cache import Cache
from tests.conftest import build_app
from tests.storage.conftest import objects

MB = 1024 * 1024


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_put_fetch_exists_size_delete_round_trip(app, tmp_path, bucket, moto_url):
    key = storage.put_file(write(tmp_path / "a.png", b"png bytes"))
    assert key.endswith(".png") and objects(moto_url, bucket) == [f"media/{key}"]
    assert (tmp_path / "a.png").exists()  # copied, not consumed
    assert storage.exists(key) and storage.size(key) == 9
    assert storage.fetch(key).read_bytes() == b"png bytes"
    storage.delete(key)
    assert not storage.exists(key) and objects(moto_url, bucket) == []
    with pytest.raises(MissingObject):
        storage.fetch(key)
    storage.delete(key)  # deleting twice is fine


def test_another_host_fetches_what_this_one_stored(app, tmp_path, redis_url, bucket, moto_url):
    """Two apps with separate data dirs share only the bucket."""
    from tests.storage.conftest import s3_settings

    data = os.urandom(3 * MB)
    key = storage.put_file(write(tmp_path / "clip.mp4", data), move=True)
    assert not (tmp_path / "clip.mp4").exists()
    other = build_app(tmp_path / "other", redis_url, **s3_settings(bucket, moto_url))
    with other.app_context():
        path = storage.fetch(key)
        assert path.read_bytes() == data
        assert str(path).startswith(str(tmp_path / "other" / "cache"))


def test_multipart_upload_streams_a_large_file(app, tmp_path):
    data = os.urandom(20 * MB + 123)  # above the 8 MB multipart threshold
    key = storage.put_file(write(tmp_path / "big.mp4", data))
    storage.store().get(key, tmp_path / "back.mp4")  # from the bucket, not the cache
    assert (tmp_path / "back.mp4").read_bytes() == data


def test_missing_object(app):
    key = storage.new_key(".png")
    assert not storage.exists(key)
    with pytest.raises(MissingObject):
        storage.size(key)
    with pytest.raises(FileNotFoundError):  # media readers treat it as a missing file
        storage.fetch(key)


@pytest.mark.parametrize("key", ["../etc/passwd", "/abs.png", "a/../../b.png", "A B.png", ""])
def test_invalid_keys_are_refused(app, key):
    with pytest.raises(ValueError):
        storage.fetch(key)
    with pytest.raises(ValueError):
        storage.put_file(__file__, key=key)


def test_unknown_suffix_is_refused(app):
    with pytest.raises(ValueError):
        storage.new_key(".exe")


def test_presigned_url_serves_the_bytes_with_a_download_name(app, tmp_path):
    key = storage.put_file(write(tmp_path / "v.mp4", b"\x00video"))
    url = storage.url(key, content_type="video/mp4", filename="my film.mp4", attachment=True)
    assert "X-Amz-Signature=" in url
    answer = httpx.get(url)
    assert answer.status_code == 200 and answer.content == b"\x00video"
    assert answer.headers["content-type"] == "video/mp4"
    assert answer.headers["content-disposition"] == "attachment; filename*=UTF-8''my%20film.mp4"
    tampered = url.replace(key, storage.new_key(".mp4"))
    assert httpx.get(tampered).status_code == 403


def test_public_endpoint_signs_for_the_browser_address(app, tmp_path, moto_url):
    key = storage.put_file(write(tmp_path / "v.mp4", b"x"))
    public = moto_url.replace("127.0.0.1", "localhost")
    app.config["STORAGE_PUBLIC_ENDPOINT"] = public
    url = storage.url(key, content_type="video/mp4")
    assert url.startswith(public) and httpx.get(url).content == b"x"


def test_check_reports_the_store(app, bucket):
    ok, detail = storage.check()
    assert ok and bucket in detail


def test_check_reports_a_missing_bucket(app):
    app.config["STORAGE_URL"] = "s3://no-such-bucket-here"
    ok, detail = storage.check()
    assert not ok and "no such bucket" in detail


def test_check_reports_a_bad_url(app):
    app.config["STORAGE_URL"] = "ftp://x"
    ok, detail = storage.check()
    assert not ok and "s3://BUCKET" in detail


def test_a_store_answering_500_is_unavailable_after_retries(app, tmp_path, failing_store):
    app.config["AWS"] = {**app.config["AWS"], "AWS_ENDPOINT_URL": failing_store.url}
    with pytest.raises(StorageUnavailable, match="500"):
        storage.put_file(write(tmp_path / "a.png", b"x"))
    assert failing_store.hits >= 3  # the SDK's standard retries, then a clear failure
    with pytest.raises(StorageUnavailable):
        storage.fetch(storage.new_key(".png"))
    ok, detail = storage.check()
    assert not ok and "500" in detail


def test_a_hung_store_times_out(app, tmp_path, silent_store):
    app.config["AWS"] = {**app.config["AWS"], "AWS_ENDPOINT_URL": silent_store}
    app.config["STORAGE_TIMEOUT_S"] = 0.3
    started = time.monotonic()
    with pytest.raises(StorageUnavailable, match="unreachable"):
        storage.put_file(write(tmp_path / "a.png", b"x"))
    assert time.monotonic() - started < 30  # 3 attempts of 0.3 s, slower on a busy machine
    assert not list((tmp_path / "cache").rglob("*.png"))


def test_cache_evicts_least_recently_used_beyond_its_bound(tmp_path):
    cache = Cache(tmp_path / "cache", max_bytes=3 * MB, grace_s=0)
    for i in range(3):
        cache.fill(f"k/{i}.mp4", lambda part: part.write_bytes(b"x" * MB))
        os.utime(cache.path(f"k/{i}.mp4"), (time.time() - 100 + i, time.time() - 100 + i))
    assert cache.lookup("k/0.mp4")  # used now: the most recent
    cache.fill("k/3.mp4", lambda part: part.write_bytes(b"x" * MB))
    left = sorted(p.name for p in (tmp_path / "cache" / "k").iterdir())
    assert left == ["0.mp4", "2.mp4", "3.mp4"]  # 1 was the least recently used


def test_cache_keeps_files_in_use_within_the_grace_period(tmp_path):
    cache = Cache(tmp_path / "cache", max_bytes=MB, grace_s=60)
    for i in range(3):
        cache.fill(f"k/{i}.mp4", lambda part: part.write_bytes(b"x" * MB))
    assert len(list((tmp_path / "cache" / "k").iterdir())) == 3


def test_a_failed_download_leaves_nothing_in_the_cache(tmp_path):
    cache = Cache(tmp_path / "cache", max_bytes=MB)

    def broken(part: Path):
        part.write_bytes(b"half")
        raise StorageUnavailable("dropped")

    with pytest.raises(StorageUnavailable):
        cache.fill("k/a.mp4", broken)
    assert not [p for p in (tmp_path / "cache").rglob("*") if p.is_file()]


def test_fetch_after_eviction_downloads_again(app, tmp_path):
    app.config["STORAGE_CACHE_MB"] = 1
    key = storage.put_file(write(tmp_path / "a.wav", b"a" * MB), move=True)
    cached = storage.fetch(key)
    cached.unlink()  # evicted
    assert storage.fetch(key).read_bytes() == b"a" * MB


def test_local_backend_round_trip_leaves_no_partial_files(tmp_path, redis_url):
    app = build_app(tmp_path, redis_url)
    with app.app_context():
        key = storage.put_bytes(b"hello", ".json")
        path = storage.fetch(key)
        assert path == tmp_path / "media" / key and path.read_bytes() == b"hello"
        assert storage.url(key) is None and storage.size(key) == 5
        assert storage.check()[0]
        storage.delete(key)
        assert not storage.exists(key)
        assert not [p for p in (tmp_path / "media").rglob("*") if p.is_file()]
        assert not [p for p in (tmp_path / "tmp").rglob("*") if p.is_file()]


def test_scratch_left_by_a_killed_job_is_removed_a_day_later(app, tmp_path):
    with storage.scratch_dir() as first:
        (first / "out.mp4").write_bytes(b"x")
    killed = tmp_path / "tmp" / "job-killed"
    killed.mkdir()
    (killed / "half.mp4").write_bytes(b"x")
    recent = tmp_path / "tmp" / "job-running"
    recent.mkdir()
    day_ago = time.time() - 25 * 3600
    os.utime(killed, (day_ago, day_ago))
    with storage.scratch_dir() as scratch:
        assert scratch.is_dir() and not first.exists()
        assert not killed.exists() and recent.exists()


def test_cache_removes_downloads_whose_writer_died(tmp_path):
    cache = Cache(tmp_path / "cache", max_bytes=MB)
    stale = tmp_path / "cache" / "k" / ".a.mp4.dead.part"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"half")
    os.utime(stale, (time.time() - 25 * 3600,) * 2)
    cache.fill("k/b.mp4", lambda part: part.write_bytes(b"whole"))
    assert not stale.exists() and cache.lookup("k/b.mp4").read_bytes() == b"whole"
