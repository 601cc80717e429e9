"""Local servers speaking YouTube's and TikTok's OAuth and upload protocols.

Google: the OAuth 2.0 authorization endpoint (redirects back with a code), the token
endpoint (authorization_code with PKCE S256 verification, refresh_token, invalid_grant
once revoked), revoke, channels.list, and the Data API v3 resumable upload (session
URI in `Location`, `Content-Range` chunks, 308 + `Range` for status queries, the video
resource on completion, 403 quotaExceeded). TikTok: Login Kit v2 authorize/token/revoke,
user info, and the Content Posting API (creator_info, video init with FILE_UPLOAD chunk
rules, chunked PUT with 206/201, status fetch). Both can drop a connection mid-upload.
"""

import base64
import hashlib
import json
import secrets
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit


@dataclass
class Grant:
    access: str
    refresh: str
    revoked: bool = False


@dataclass
class Session:
    size: int
    metadata: dict
    data: bytearray = field(default_factory=bytearray)
    video: dict | None = None


class FakePlatform:
    """Shared plumbing: a threaded HTTP server, clients, codes and grants."""

    client_id = "client-123"
    client_secret = "secret-456"

    def __init__(self):
        self.codes: dict[str, dict] = {}
        self.grants: list[Grant] = []
        self.sessions: dict[str, Session] = {}
        self.requests: list[tuple[str, str]] = []
        self.revoked_tokens: list[str] = []
        self.drop_after: int | None = None  # bytes of one PUT body to read, then drop
        self.fail_next: list[int] = []  # statuses to answer upload-opening calls with
        self.quota_exceeded = False
        platform = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args):
                pass

            def do_GET(self):
                platform.dispatch(self, "GET")

            def do_POST(self):
                platform.dispatch(self, "POST")

            def do_PUT(self):
                platform.dispatch(self, "PUT")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    # --- helpers -------------------------------------------------------------------
    def dispatch(self, h: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(h.path)
        self.requests.append((method, parts.path))
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        handler = getattr(self, f"{method.lower()}_{self.route(parts.path)}", None)
        if handler is None:
            return reply(h, 404, {"error": "not found"})
        handler(h, query)

    def route(self, path: str) -> str:
        raise NotImplementedError

    def new_code(self, **flow) -> str:
        code = secrets.token_urlsafe(12)
        self.codes[code] = flow
        return code

    def grant(self) -> Grant:
        grant = Grant("at-" + secrets.token_hex(8), "rt-" + secrets.token_hex(8))
        self.grants.append(grant)
        return grant

    def bearer_ok(self, h) -> bool:
        token = h.headers.get("Authorization", "").removeprefix("Bearer ")
        return any(g.access == token and not g.revoked for g in self.grants)

    def revoke_all(self) -> None:
        """The user removes the app's access on the platform's side."""
        for grant in self.grants:
            grant.revoked = True

    def receive(self, h, session: Session, start: int) -> bool:
        """Read a PUT body into the session at `start`; False if the connection was
        dropped on purpose half-way."""
        length = int(h.headers.get("Content-Length", 0))
        if self.drop_after is not None and length > self.drop_after:
            part = h.rfile.read(self.drop_after)
            self.drop_after = None
            del session.data[start:]
            session.data += part  # the server keeps what it received before the cut
            h.close_connection = True
            h.connection.shutdown(socket.SHUT_RDWR)
            return False
        body = h.rfile.read(length)
        del session.data[start:]
        session.data += body
        return True


def form(h) -> dict:
    length = int(h.headers.get("Content-Length", 0))
    return {k: v[0] for k, v in parse_qs(h.rfile.read(length).decode()).items()}


def body_json(h) -> dict:
    length = int(h.headers.get("Content-Length", 0))
    return json.loads(h.rfile.read(length) or b"{}")


def reply(h, status: int, body: dict | None = None, headers: dict | None = None) -> None:
    data = json.dumps(body).encode() if body is not None else b""
    h.send_response(status)
    for name, value in (headers or {}).items():
        h.send_header(name, value)
    h.send_header("Content-Type", "application/json")
    h.send_header("Content-Length", str(len(data)))
    h.end_headers()
    h.wfile.write(data)


def redirect(h, location: str) -> None:
    h.send_response(302)
    h.send_header("Location", location)
    h.send_header("Content-Length", "0")
    h.end_headers()


class FakeGoogle(FakePlatform):
    def route(self, path: str) -> str:
        return {
            "/o/oauth2/v2/auth": "auth",
            "/token": "token",
            "/revoke": "revoke",
            "/youtube/v3/channels": "channels",
            "/upload/youtube/v3/videos": "videos",
        }.get(path, "none")

    def get_auth(self, h, q):
        """The consent screen, already agreed to: back to the app with a code."""
        assert q["client_id"] == self.client_id and q["response_type"] == "code"
        assert q["code_challenge_method"] == "S256" and q["access_type"] == "offline"
        code = self.new_code(
            challenge=q["code_challenge"], redirect_uri=q["redirect_uri"], scope=q["scope"]
        )
        redirect(
            h,
            q["redirect_uri"]
            + "?"
            + urlencode({"code": code, "state": q["state"], "scope": q["scope"]}),
        )

    def post_token(self, h, _q):
        f = form(h)
        if (f.get("client_id"), f.get("client_secret")) != (self.client_id, self.client_secret):
            return reply(h, 401, {"error": "invalid_client"})
        if f["grant_type"] == "authorization_code":
            flow = self.codes.pop(f.get("code", ""), None)
            digest = hashlib.sha256(f.get("code_verifier", "").encode()).digest()
            challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
            if (
                flow is None
                or flow["challenge"] != challenge
                or flow["redirect_uri"] != f.get("redirect_uri")
            ):
                return reply(
                    h, 400, {"error": "invalid_grant", "error_description": "Bad code or verifier."}
                )
            grant = self.grant()
            return reply(
                h,
                200,
                {
                    "access_token": grant.access,
                    "expires_in": 3599,
                    "refresh_token": grant.refresh,
                    "scope": flow["scope"],
                    "token_type": "Bearer",
                },
            )
        grant = next((g for g in self.grants if g.refresh == f.get("refresh_token")), None)
        if grant is None or grant.revoked:
            return reply(
                h,
                400,
                {
                    "error": "invalid_grant",
                    "error_description": "Token has been expired or revoked.",
                },
            )
        grant.access = "at-" + secrets.token_hex(8)
        return reply(
            h,
            200,
            {"access_token": grant.access, "expires_in": 3599, "scope": "", "token_type": "Bearer"},
        )

    def post_revoke(self, h, _q):
        token = form(h).get("token", "")
        self.revoked_tokens.append(token)
        for grant in self.grants:
            if token in (grant.access, grant.refresh):
                grant.revoked = True
        reply(h, 200, {})

    def get_channels(self, h, q):
        if not self.bearer_ok(h):
            return reply(
                h,
                401,
                {
                    "error": {
                        "code": 401,
                        "message": "Invalid Credentials",
                        "errors": [{"reason": "authError"}],
                    }
                },
            )
        assert q == {"part": "snippet", "mine": "true"}
        reply(
            h,
            200,
            {
                "items": [
                    {"id": "UCowl", "snippet": {"title": "Owl Facts", "customUrl": "@owlfacts"}}
                ]
            },
        )

    def post_videos(self, h, q):
        """Open a resumable upload session."""
        metadata = body_json(h)
        if not self.bearer_ok(h):
            return reply(
                h,
                401,
                {
                    "error": {
                        "code": 401,
                        "message": "Invalid Credentials",
                        "errors": [{"reason": "authError"}],
                    }
                },
            )
        assert q == {"uploadType": "resumable", "part": "snippet,status"}
        if self.quota_exceeded:
            return reply(
                h,
                403,
                {
                    "error": {
                        "code": 403,
                        "message": "The request cannot be completed because you have exceeded your quota.",
                        "errors": [
                            {
                                "message": "quota",
                                "domain": "youtube.quota",
                                "reason": "quotaExceeded",
                            }
                        ],
                    }
                },
            )
        if self.fail_next:
            return reply(
                h,
                self.fail_next.pop(0),
                {
                    "error": {
                        "code": 503,
                        "message": "Backend Error",
                        "errors": [{"reason": "backendError"}],
                    }
                },
            )
        snippet, status = metadata["snippet"], metadata["status"]
        assert 0 < len(snippet["title"]) <= 100 and status["privacyStatus"] in (
            "public",
            "unlisted",
            "private",
        )
        assert h.headers["X-Upload-Content-Type"] == "video/mp4"
        upload_id = secrets.token_hex(6)
        self.sessions[upload_id] = Session(int(h.headers["X-Upload-Content-Length"]), metadata)
        location = f"{self.url}/upload/youtube/v3/videos?uploadType=resumable&upload_id={upload_id}"
        reply(h, 200, {}, {"Location": location})

    def put_videos(self, h, q):
        session = self.sessions.get(q.get("upload_id", ""))
        if session is None:
            return reply(h, 404, {"error": {"code": 404, "message": "Upload session not found"}})
        content_range = h.headers.get("Content-Range", "")
        if content_range == f"bytes */{session.size}":
            return self.upload_status(h, session)
        span, total = content_range.removeprefix("bytes ").split("/")
        start, end = (int(x) for x in span.split("-"))
        assert int(total) == session.size and start == len(session.data), (
            content_range,
            len(session.data),
        )
        if not self.receive(h, session, start):
            return
        self.upload_status(h, session)

    def upload_status(self, h, session: Session) -> None:
        if len(session.data) < session.size:
            headers = {"Range": f"bytes=0-{len(session.data) - 1}"} if session.data else {}
            return reply(h, 308, None, headers)
        if session.video is None:
            session.video = {
                "id": "vid" + secrets.token_hex(4),
                "snippet": {**session.metadata["snippet"], "channelId": "UCowl"},
                "status": {**session.metadata["status"], "uploadStatus": "uploaded"},
            }
        reply(h, 200, session.video)

    @property
    def videos(self) -> list[dict]:
        return [s.video for s in self.sessions.values() if s.video]


class FakeTikTok(FakePlatform):
    client_id = "tt-client-key"
    client_secret = "tt-secret"

    def __init__(self):
        super().__init__()
        self.privacy_options = ["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"]
        self.posts: dict[str, dict] = {}
        self.status_polls = 0

    def route(self, path: str) -> str:
        return {
            "/v2/auth/authorize/": "auth",
            "/v2/oauth/token/": "token",
            "/v2/oauth/revoke/": "revoke",
            "/v2/user/info/": "user",
            "/v2/post/publish/creator_info/query/": "creator",
            "/v2/post/publish/video/init/": "init",
            "/v2/post/publish/status/fetch/": "status",
            "/upload/": "upload",
        }.get(path, "none")

    def error(self, h, status: int, code: str, message: str = "") -> None:
        reply(h, status, {"error": {"code": code, "message": message or code, "log_id": "log1"}})

    def ok(self, h, data: dict) -> None:
        reply(h, 200, {"data": data, "error": {"code": "ok", "message": "", "log_id": "log1"}})

    def get_auth(self, h, q):
        assert q["client_key"] == self.client_id and q["response_type"] == "code"
        assert "video.publish" in q["scope"].split(",")
        code = self.new_code(redirect_uri=q["redirect_uri"], scope=q["scope"])
        redirect(
            h,
            q["redirect_uri"]
            + "?"
            + urlencode({"code": code, "state": q["state"], "scopes": q["scope"]}),
        )

    def post_token(self, h, _q):
        f = form(h)
        if (f.get("client_key"), f.get("client_secret")) != (self.client_id, self.client_secret):
            return reply(
                h,
                401,
                {
                    "error": "invalid_client",
                    "error_description": "Client key or secret is incorrect.",
                },
            )
        if f["grant_type"] == "authorization_code":
            flow = self.codes.pop(f.get("code", ""), None)
            if flow is None or flow["redirect_uri"] != f.get("redirect_uri"):
                return reply(
                    h,
                    400,
                    {
                        "error": "invalid_grant",
                        "error_description": "Authorization code is expired.",
                    },
                )
            grant = self.grant()
            return reply(
                h,
                200,
                {
                    "access_token": grant.access,
                    "expires_in": 86400,
                    "open_id": "open-owl",
                    "refresh_expires_in": 31536000,
                    "refresh_token": grant.refresh,
                    "scope": flow["scope"],
                    "token_type": "Bearer",
                },
            )
        grant = next((g for g in self.grants if g.refresh == f.get("refresh_token")), None)
        if grant is None or grant.revoked:
            return reply(
                h,
                400,
                {
                    "error": "invalid_grant",
                    "error_description": "Refresh token is invalid or expired.",
                },
            )
        grant.access = "at-" + secrets.token_hex(8)
        return reply(
            h,
            200,
            {
                "access_token": grant.access,
                "expires_in": 86400,
                "open_id": "open-owl",
                "refresh_token": grant.refresh,
                "scope": "",
                "token_type": "Bearer",
            },
        )

    def post_revoke(self, h, _q):
        token = form(h).get("token", "")
        self.revoked_tokens.append(token)
        for grant in self.grants:
            if token in (grant.access, grant.refresh):
                grant.revoked = True
        reply(h, 200, {})

    def get_user(self, h, q):
        if not self.bearer_ok(h):
            return self.error(h, 401, "access_token_invalid")
        assert "open_id" in q["fields"]
        self.ok(
            h,
            {"user": {"open_id": "open-owl", "display_name": "Owl Facts", "username": "owlfacts"}},
        )

    def post_creator(self, h, _q):
        body_json(h)
        if not self.bearer_ok(h):
            return self.error(h, 401, "access_token_invalid")
        self.ok(
            h,
            {
                "creator_username": "owlfacts",
                "privacy_level_options": self.privacy_options,
                "max_video_post_duration_sec": 600,
            },
        )

    def post_init(self, h, _q):
        body = body_json(h)
        if not self.bearer_ok(h):
            return self.error(h, 401, "access_token_invalid")
        if self.quota_exceeded:
            return self.error(h, 403, "spam_risk_too_many_posts", "The daily post cap is reached.")
        info, source = body["post_info"], body["source_info"]
        assert info["privacy_level"] in self.privacy_options and source["source"] == "FILE_UPLOAD"
        size, chunk, count = source["video_size"], source["chunk_size"], source["total_chunk_count"]
        assert count == (1 if size <= chunk else size // chunk), source
        publish_id = "v_pub_file~v2-1." + secrets.token_hex(6)
        self.sessions[publish_id] = Session(size, body)
        self.posts[publish_id] = {"status": "PROCESSING_UPLOAD", "chunk": chunk, "count": count}
        self.ok(
            h,
            {
                "publish_id": publish_id,
                "upload_url": f"{self.url}/upload/?upload_id={publish_id}&upload_token=tok",
            },
        )

    def put_upload(self, h, q):
        publish_id = q.get("upload_id", "")
        session, post = self.sessions.get(publish_id), self.posts.get(publish_id)
        if session is None:
            return self.error(h, 404, "invalid_params", "Unknown upload.")
        span, total = h.headers["Content-Range"].removeprefix("bytes ").split("/")
        start, end = (int(x) for x in span.split("-"))
        index = start // post["chunk"]
        last = index == post["count"] - 1
        expected_end = session.size - 1 if last else start + post["chunk"] - 1
        assert int(total) == session.size and start == index * post["chunk"] and end == expected_end
        assert start <= len(session.data), (start, len(session.data))
        if not self.receive(h, session, start):
            return
        if len(session.data) == session.size:
            post["status"] = "PROCESSING_DOWNLOAD"
            return reply(h, 201, None)
        reply(h, 206, None)

    def post_status(self, h, _q):
        body = body_json(h)
        if not self.bearer_ok(h):
            return self.error(h, 401, "access_token_invalid")
        post = self.posts[body["publish_id"]]
        self.status_polls += 1
        if post["status"] == "PROCESSING_DOWNLOAD":
            post["status"] = "PUBLISH_COMPLETE"
            post["post_id"] = "73" + secrets.token_hex(4)
            return self.ok(h, {"status": "PROCESSING_DOWNLOAD"})
        if post["status"] == "PUBLISH_COMPLETE":
            return self.ok(
                h,
                {
                    "status": "PUBLISH_COMPLETE",
                    "publicaly_available_post_id": [post["post_id"]],
                    "uploaded_bytes": self.sessions[body["publish_id"]].size,
                },
            )
        self.ok(h, {"status": post["status"]})

    @property
    def published(self) -> list[str]:
        return [p["post_id"] for p in self.posts.values() if p["status"] == "PUBLISH_COMPLETE"]
