"""The S3-compatible backend (AWS, R2, MinIO, Ceph) through boto3.

Uploads use boto3's managed transfer (multipart above 8 MB, parts in parallel); S3 shows
an object only once its single PUT or its CompleteMultipartUpload succeeded, and boto3
aborts a multipart upload that fails, so a failed write leaves nothing under the key.
Every call has connect/read timeouts and the SDK's standard retries (5xx, throttling,
dropped connections); what still fails becomes StorageUnavailable. Browsers get
presigned GET URLs, signed for FLUXNOTE_STORAGE_PUBLIC_ENDPOINT when the browser reaches
the store by another address than the servers do.
"""

import mimetypes
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import boto3
from boto3.exceptions import S3UploadFailedError
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from fluxnote.storage.base import MissingObject, StorageUnavailable, check_key

MB = 1024 * 1024
TRANSFER = TransferConfig(multipart_threshold=8 * MB, multipart_chunksize=8 * MB, max_concurrency=4)
MISSING_CODES = {"404", "NoSuchKey", "NotFound"}
URL_TTL_S = 3600


class S3Store:
    name = "s3"

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        endpoint_url: str | None = None,
        public_endpoint_url: str | None = None,
        region: str | None = None,
        access_key: str | None = None,
        secret_key: str | None = None,
        session_token: str | None = None,
        timeout_s: float = 30.0,
    ):
        self.bucket, self.prefix = bucket, prefix.strip("/")
        session = boto3.session.Session(
            aws_access_key_id=access_key or None,
            aws_secret_access_key=secret_key or None,
            aws_session_token=session_token or None,
            region_name=region or "us-east-1",
        )
        config = Config(
            connect_timeout=timeout_s,
            read_timeout=timeout_s,
            retries={"max_attempts": 3, "mode": "standard"},
            signature_version="s3v4",
            # MinIO and most self-hosted stores serve the bucket under the path
            s3={"addressing_style": "path" if endpoint_url else "auto"},
        )
        self.client = session.client("s3", endpoint_url=endpoint_url or None, config=config)
        self.signer = (
            session.client("s3", endpoint_url=public_endpoint_url, config=config)
            if public_endpoint_url
            else self.client
        )

    def _key(self, key: str) -> str:
        key = check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def _call(self, key: str, fn: Callable, *args, **kwargs):
        """Run one SDK call, mapping its failures to MissingObject / StorageUnavailable."""
        try:
            return fn(*args, **kwargs)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            if str(error.get("Code")) in MISSING_CODES:
                raise MissingObject(key) from exc
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            raise StorageUnavailable(
                f"the object store answered {status or ''} {error.get('Code', '')}".strip()
            ) from exc
        except (BotoCoreError, S3UploadFailedError) as exc:
            raise StorageUnavailable(f"the object store is unreachable: {exc}") from exc

    def put(self, key: str, src: Path, *, move: bool = False) -> None:
        content_type = mimetypes.guess_type(key)[0] or "application/octet-stream"
        self._call(
            key,
            self.client.upload_file,
            str(src),
            self.bucket,
            self._key(key),
            ExtraArgs={"ContentType": content_type},
            Config=TRANSFER,
        )
        if move:
            Path(src).unlink(missing_ok=True)

    def get(self, key: str, dest: Path) -> None:
        self._call(
            key, self.client.download_file, self.bucket, self._key(key), str(dest), Config=TRANSFER
        )

    def local_path(self, key: str) -> None:
        return None

    def exists(self, key: str) -> bool:
        try:
            self.size(key)
        except MissingObject:
            return False
        return True

    def size(self, key: str) -> int:
        head = self._call(key, self.client.head_object, Bucket=self.bucket, Key=self._key(key))
        return int(head["ContentLength"])

    def delete(self, key: str) -> None:
        self._call(key, self.client.delete_object, Bucket=self.bucket, Key=self._key(key))

    def url(self, key: str, *, content_type: str, filename: str | None, attachment: bool) -> str:
        params = {"Bucket": self.bucket, "Key": self._key(key), "ResponseContentType": content_type}
        if filename or attachment:
            name = quote(filename or os.path.basename(key))
            kind = "attachment" if attachment else "inline"
            params["ResponseContentDisposition"] = f"{kind}; filename*=UTF-8''{name}"
        return self._call(
            key,
            self.signer.generate_presigned_url,
            "get_object",
            Params=params,
            ExpiresIn=URL_TTL_S,
        )

    def listing(self) -> Iterator[tuple[str, float]]:
        start = f"{self.prefix}/" if self.prefix else ""
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=start
        )
        try:
            for page in pages:
                for obj in page.get("Contents", []):
                    yield obj["Key"][len(start) :], obj["LastModified"].timestamp()
        except ClientError as exc:
            raise StorageUnavailable(f"the object store refused a listing: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageUnavailable(f"the object store is unreachable: {exc}") from exc

    def check(self) -> tuple[bool, str]:
        where = f"s3://{self.bucket}/{self.prefix}".rstrip("/")
        try:
            self._call("", self.client.head_bucket, Bucket=self.bucket)
        except MissingObject:
            return False, f"{where}: no such bucket"
        except StorageUnavailable as exc:
            return False, f"{where}: {exc}"
        return True, f"{where} at {self.client.meta.endpoint_url}"
