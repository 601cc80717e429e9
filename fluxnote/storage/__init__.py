"""Media storage shared by every process on every host.

- `services`: the API callers use (new_key, put_file, put_bytes, fetch, exists, size,
  delete, discard, url, scratch_dir, check); its docstring is the reference.
- `responses`: `send(key, mimetype, ...)` answers a stored object over HTTP (a local file
  with range requests, or 302 to a presigned URL), and the 503 `storage_unavailable`.
- `orphans`: owners of recorded keys register here; the clock deletes what none claims.
- `base` (the Store protocol and errors), `local`, `s3` (boto3), `cache` (the per-process
  LRU cache of a remote store's objects).
"""
