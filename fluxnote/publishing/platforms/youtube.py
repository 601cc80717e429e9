"""YouTube: Google OAuth 2.0 with PKCE (offline access, youtube.upload scope) and the
Data API v3 resumable upload protocol.

The upload session URI is saved on the publication before the first byte is sent; a
retry asks the session how far it got (`Content-Range: bytes */SIZE` → 308 with
`Range`) and continues from there, so a dropped connection costs one chunk and a second
video is never created. A session that already completed answers with the video.
"""

import re
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

SCOPES = (
    "https://www.googleapis.com/auth/youtube.upload",
    # channels.list?mine=true names the connected channel on /settings
    "https://www.googleapis.com/auth/youtube.readonly",
)
CHUNK = 8 * 1024 * 1024  # a multiple of 256 KiB, as the protocol requires
PRIVACY = {"public": "public", "unlisted": "unlisted", "private": "private"}
QUOTA_REASONS = {"quotaExceeded", "uploadLimitExceeded", "dailyLimitExceeded"}
RATE_REASONS = {"rateLimitExceeded", "userRateLimitExceeded", "backendError"}


def _accounts() -> str:
    return base_url("youtube", "accounts", "https://accounts.google.com")


def _oauth2() -> str:
    return base_url("youtube", "oauth2", "https://oauth2.googleapis.com")


def _api() -> str:
    return base_url("youtube", "api", "https://www.googleapis.com")


class YouTube(Platform):
    name, label, uses_pkce = "youtube", "YouTube", True

    def _client(self) -> tuple[str, str]:
        cfg = current_app.config
        return cfg.get("YOUTUBE_CLIENT_ID", ""), cfg.get("YOUTUBE_CLIENT_SECRET", "")

    def authorize_url(self, redirect_uri: str, state: str, challenge: str) -> str:
        query = {
            "client_id": self._client()[0],
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": " ".join(SCOPES),
            "access_type": "offline",
            "prompt": "consent",
            "include_granted_scopes": "true",
            "state": state,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        return f"{_accounts()}/o/oauth2/v2/auth?{urlencode(query)}"

    def exchange(self, code: str, verifier: str, redirect_uri: str) -> Tokens:
        return self._token(
            grant_type="authorization_code",
            code=code,
            code_verifier=verifier,
            redirect_uri=redirect_uri,
        )

    def refresh(self, refresh_token: str) -> Tokens:
        return self._token(grant_type="refresh_token", refresh_token=refresh_token)

    def _token(self, **form) -> Tokens:
        client_id, secret = self._client()
        form |= {"client_id": client_id, "client_secret": secret}
        return token_request("YouTube", f"{_oauth2()}/token", form)

    def revoke(self, token: str) -> None:
        request("POST", f"{_oauth2()}/revoke", data={"token": token})

    def account(self, access_token: str) -> Account:
        answer = request(
            "GET",
            f"{_api()}/youtube/v3/channels",
            params={"part": "snippet", "mine": "true"},
            headers=_bearer(access_token),
        )
        _check(answer)
        items = json_of(answer).get("items") or []
        if not items:
            raise PublishError("invalid", "This Google account has no YouTube channel yet.")
        snippet = items[0].get("snippet", {})
        return Account(
            items[0]["id"], snippet.get("title") or items[0]["id"], snippet.get("customUrl")
        )

    def upload(self, access_token: str, upload: Upload) -> Posted:
        """Post the file as a video, resuming the saved session if there is one."""
        if upload.upload_url:
            offset, video = self._status(access_token, upload)
        else:
            offset, video = self._open_session(access_token, upload), None
        resumes = 0
        while video is None:
            try:
                offset, video = self._send_chunk(access_token, upload, offset)
            except PublishError as exc:
                if exc.code != "network" or resumes >= MAX_RESUMES:
                    raise
                resumes += 1
                offset, video = self._status(access_token, upload)
        return Posted(video["id"], f"https://www.youtube.com/shorts/{video['id']}")

    def _open_session(self, access_token: str, upload: Upload) -> int:
        metadata = {
            "snippet": {
                "title": upload.title,
                "description": upload.description,
                "categoryId": "22",
            },
            "status": {"privacyStatus": PRIVACY[upload.privacy], "selfDeclaredMadeForKids": False},
        }
        answer = request(
            "POST",
            f"{_api()}/upload/youtube/v3/videos",
            params={"uploadType": "resumable", "part": "snippet,status"},
            json=metadata,
            headers={
                **_bearer(access_token),
                "X-Upload-Content-Type": "video/mp4",
                "X-Upload-Content-Length": str(upload.size),
            },
        )
        _check(answer)
        location = answer.headers.get("Location")
        if not location:
            raise PublishError("unavailable", "YouTube opened no upload session; will retry.", True)
        upload.upload_url = location
        upload.save(upload_url=location, uploaded_bytes=0)
        return 0

    def _send_chunk(
        self, access_token: str, upload: Upload, offset: int
    ) -> tuple[int, dict | None]:
        data = upload.read(offset, setting("PUBLISH_CHUNK_BYTES", CHUNK))
        end = offset + len(data) - 1
        answer = request(
            "PUT",
            upload.upload_url,
            content=data,
            headers={
                **_bearer(access_token),
                "Content-Type": "video/mp4",
                "Content-Range": f"bytes {offset}-{end}/{upload.size}",
            },
        )
        return self._progress(answer, upload)

    def _status(self, access_token: str, upload: Upload) -> tuple[int, dict | None]:
        """Ask the session how many bytes it holds (or for the finished video)."""
        answer = request(
            "PUT",
            upload.upload_url,
            headers={**_bearer(access_token), "Content-Range": f"bytes */{upload.size}"},
        )
        if answer.status_code in (404, 410):  # the session expired: no video was made
            upload.save(upload_url=None, uploaded_bytes=0)
            raise PublishError(
                "unavailable", "The YouTube upload session expired; starting over.", True
            )
        return self._progress(answer, upload)

    def _progress(self, answer: httpx.Response, upload: Upload) -> tuple[int, dict | None]:
        if answer.status_code in (200, 201):
            return upload.size, json_of(answer)
        if answer.status_code == 308:
            match = re.fullmatch(r"bytes=0-(\d+)", answer.headers.get("Range", ""))
            offset = int(match.group(1)) + 1 if match else 0
            upload.save(uploaded_bytes=offset)
            return offset, None
        _check(answer)
        raise PublishError("rejected", f"YouTube answered {answer.status_code} to the upload.")


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def _check(answer: httpx.Response) -> None:
    """Raise the PublishError a failed Data API answer means; return on 2xx."""
    if answer.status_code < 300:
        return
    error = json_of(answer).get("error", {})
    error = error if isinstance(error, dict) else {}
    reasons = {e.get("reason") for e in error.get("errors", []) if isinstance(e, dict)}
    message = error.get("message") or f"YouTube answered {answer.status_code}."
    if answer.status_code == 401:
        raise AuthRejected(message)
    if answer.status_code == 403 and reasons & QUOTA_REASONS:
        raise PublishError(
            "quota_exceeded",
            "YouTube's upload quota for this project or channel is used up "
            f"({', '.join(sorted(reasons & QUOTA_REASONS))}); it resets daily at midnight Pacific time.",
        )
    if answer.status_code == 403 and reasons & RATE_REASONS:
        raise PublishError("unavailable", f"YouTube is rate limiting: {message}", True)
    trouble = server_trouble("YouTube", answer)
    if trouble:
        raise trouble
    code = "policy" if answer.status_code == 403 else "invalid"
    raise PublishError(code, f"YouTube refused the video: {message}")


YOUTUBE = YouTube()
