"""TikTok: Login Kit OAuth v2 and the Content Posting API's direct post (creator info,
init with FILE_UPLOAD, chunked upload, status polling).

The publish id and upload URL are saved on the publication right after init, and each
chunk's end after it is accepted: a retry re-sends only the chunk that was cut, and one
that finds the upload complete only polls the status, so the video is posted once.
"""

import time
from urllib.parse import urlencode

import httpx
from flask import current_app

from fluxnote.publishing.platforms.base import (
    MAX_RESUMES,
    Account,
    AuthRejected,
    Platform,
    Posted,
    PublishError,
    Tokens,
    Upload,
    base_url,
    json_of,
    request,
    server_trouble,
    setting,
    token_request,
)

SCOPES = "user.info.basic,user.info.profile,video.publish"
CHUNK = 10 * 1024 * 1024  # TikTok: chunks of 5-64 MB, the last up to 128 MB
PRIVACY = {
    "public": "PUBLIC_TO_EVERYONE",
    "unlisted": "MUTUAL_FOLLOW_FRIENDS",
    "private": "SELF_ONLY",
}
POLL_S, POLL_LIMIT_S = 5.0, 600.0
QUOTA_CODES = {
    "spam_risk_too_many_posts",
    "spam_risk_user_banned_from_posting",
    "rate_limit_exceeded",
}
POLICY_CODES = {
    "unaudited_client_can_only_post_to_private_accounts",
    "privacy_level_option_mismatch",
    "scope_not_authorized",
    "spam_risk_too_many_pending_share",
}


def _www() -> str:
    return base_url("tiktok", "www", "https://www.tiktok.com")


def _api() -> str:
    return base_url("tiktok", "api", "https://open.tiktokapis.com")


class TikTok(Platform):
    name, label, uses_pkce = "tiktok", "TikTok", False

    def _client(self) -> tuple[str, str]:
        cfg = current_app.config
        return cfg.get("TIKTOK_CLIENT_KEY", ""), cfg.get("TIKTOK_CLIENT_SECRET", "")

    def authorize_url(self, redirect_uri: str, state: str, challenge: str) -> str:
        query = {
            "client_key": self._client()[0],
            "scope": SCOPES,
            "response_type": "code",
            "redirect_uri": redirect_uri,
            "state": state,
        }
        return f"{_www()}/v2/auth/authorize/?{urlencode(query)}"

    def exchange(self, code: str, verifier: str, redirect_uri: str) -> Tokens:
        return self._token(grant_type="authorization_code", code=code, redirect_uri=redirect_uri)

    def refresh(self, refresh_token: str) -> Tokens:
        return self._token(grant_type="refresh_token", refresh_token=refresh_token)

    def _token(self, **form) -> Tokens:
        key, secret = self._client()
        form |= {"client_key": key, "client_secret": secret}
        return token_request("TikTok", f"{_api()}/v2/oauth/token/", form)

    def revoke(self, token: str) -> None:
        key, secret = self._client()
        request(
            "POST",
            f"{_api()}/v2/oauth/revoke/",
            data={"client_key": key, "client_secret": secret, "token": token},
        )

    def account(self, access_token: str) -> Account:
        answer = request(
            "GET",
            f"{_api()}/v2/user/info/",
            params={"fields": "open_id,display_name,username"},
            headers=_bearer(access_token),
        )
        user = _data(answer).get("user", {})
        return Account(
            user["open_id"], user.get("display_name") or user["open_id"], user.get("username")
        )

    def upload(self, access_token: str, upload: Upload) -> Posted:
        """Init (once), send the chunks not yet accepted, then wait until it is posted."""
        if not upload.remote_id:
            self._init(access_token, upload)
        resumes = 0
        while upload.uploaded_bytes < upload.size:
            try:
                self._send_chunk(upload)
            except PublishError as exc:
                if exc.code != "network" or resumes >= MAX_RESUMES:
                    raise
                resumes += 1
        return self._wait(access_token, upload)

    def _init(self, access_token: str, upload: Upload) -> None:
        creator = _data(
            request(
                "POST",
                f"{_api()}/v2/post/publish/creator_info/query/",
                headers=_json_auth(access_token),
            )
        )
        level = PRIVACY[upload.privacy]
        if level not in creator.get("privacy_level_options", [level]):
            raise PublishError(
                "policy",
                f"This TikTok account cannot post as {upload.privacy} ({level}); it allows "
                f"{', '.join(creator.get('privacy_level_options', []))}.",
            )
        chunk, count = chunking(upload.size, setting("PUBLISH_CHUNK_BYTES", CHUNK))
        title = (
            upload.title if not upload.description else f"{upload.title}\n\n{upload.description}"
        )
        data = _data(
            request(
                "POST",
                f"{_api()}/v2/post/publish/video/init/",
                headers=_json_auth(access_token),
                json={
                    "post_info": {"title": title[:2200], "privacy_level": level},
                    "source_info": {
                        "source": "FILE_UPLOAD",
                        "video_size": upload.size,
                        "chunk_size": chunk,
                        "total_chunk_count": count,
                    },
                },
            )
        )
        upload.remote_id, upload.upload_url, upload.uploaded_bytes = (
            data["publish_id"],
            data["upload_url"],
            0,
        )
        upload.save(remote_id=upload.remote_id, upload_url=upload.upload_url, uploaded_bytes=0)

    def _send_chunk(self, upload: Upload) -> None:
        chunk, count = chunking(upload.size, setting("PUBLISH_CHUNK_BYTES", CHUNK))
        index = upload.uploaded_bytes // chunk
        start = index * chunk
        length = upload.size - start if index == count - 1 else chunk
        answer = request(
            "PUT",
            upload.upload_url,
            content=upload.read(start, length),
            headers={
                "Content-Type": "video/mp4",
                "Content-Range": f"bytes {start}-{start + length - 1}/{upload.size}",
            },
        )
        if answer.status_code not in (200, 201, 206):
            trouble = server_trouble("TikTok", answer)
            raise trouble or PublishError(
                "rejected", f"TikTok refused a chunk ({answer.status_code})."
            )
        upload.uploaded_bytes = start + length
        upload.save(uploaded_bytes=upload.uploaded_bytes)

    def _wait(self, access_token: str, upload: Upload) -> Posted:
        deadline = time.monotonic() + setting("PUBLISH_POLL_LIMIT_S", POLL_LIMIT_S)
        while time.monotonic() < deadline:
            data = _data(
                request(
                    "POST",
                    f"{_api()}/v2/post/publish/status/fetch/",
                    headers=_json_auth(access_token),
                    json={"publish_id": upload.remote_id},
                )
            )
            if data.get("status") == "PUBLISH_COMPLETE":
                return self._posted(upload, data)
            if data.get("status") == "FAILED":
                raise PublishError(
                    "rejected",
                    f"TikTok did not post the video: {data.get('fail_reason', 'unknown reason')}.",
                )
            upload.save()
            time.sleep(setting("PUBLISH_POLL_S", POLL_S))
        raise PublishError(
            "unavailable", "TikTok is still processing the video; will check again.", True
        )

    def _posted(self, upload: Upload, data: dict) -> Posted:
        ids = (
            data.get("publicaly_available_post_id") or data.get("publicly_available_post_id") or []
        )
        post_id = str(ids[0]) if ids else upload.remote_id
        profile = (
            f"https://www.tiktok.com/@{upload.handle}"
            if upload.handle
            else "https://www.tiktok.com"
        )
        return Posted(post_id, f"{profile}/video/{post_id}" if ids else profile)


def chunking(size: int, chunk: int) -> tuple[int, int]:
    """(chunk_size, total_chunk_count) as TikTok counts them: a file under one chunk is
    one chunk of its size; otherwise the last chunk takes the remainder."""
    if size <= chunk:
        return size, 1
    return chunk, size // chunk


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def _json_auth(token: str) -> dict:
    return {**_bearer(token), "Content-Type": "application/json; charset=UTF-8"}


def _data(answer: httpx.Response) -> dict:
    """The `data` of a TikTok API answer; PublishError from its `error.code` otherwise."""
    body = json_of(answer)
    error = body.get("error") if isinstance(body.get("error"), dict) else {}
    code = error.get("code", "ok" if answer.status_code < 300 else "unknown")
    if code == "ok" and answer.status_code < 300:
        return body.get("data") or {}
    message = error.get("message") or f"TikTok answered {answer.status_code}."
    if code in ("access_token_invalid", "access_token_expired") or answer.status_code == 401:
        raise AuthRejected(message)
    if code in QUOTA_CODES:
        raise PublishError(
            "quota_exceeded", f"TikTok's posting limit is reached ({code}): {message}"
        )
    if code in POLICY_CODES:
        raise PublishError("policy", f"TikTok refused the post ({code}): {message}")
    trouble = server_trouble("TikTok", answer)
    if trouble:
        raise trouble
    raise PublishError("rejected", f"TikTok refused the request ({code}): {message}")


TIKTOK = TikTok()
