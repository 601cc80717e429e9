"""Inbound provider callbacks: `POST /webhooks/<provider>` (CSRF-exempt, no session).

The signature is checked on the raw body by the provider's adapter; the answer is
quick: 200 for accepted, duplicate or unknown-job events, 401 for a bad signature,
404 for an unknown provider or one that sends no callbacks, 413 for a body over 1 MiB.
"""

from flask import Blueprint, jsonify, request

from fluxnote.errors import ApiError
from fluxnote.extensions import csrf
from fluxnote.generation.inbound import MAX_BODY_BYTES, InvalidSignature, UnknownProvider, receive

bp = Blueprint("webhooks_in", __name__, url_prefix="/webhooks")
csrf.exempt(bp)


@bp.post("/<provider_id>")
def provider_callback(provider_id: str):
    # a larger declared length is a 413 before anything is read; a chunked body is cut
    # off at the limit while it is read (werkzeug raises RequestEntityTooLarge)
    request.max_content_length = MAX_BODY_BYTES
    try:
        outcome = receive(
            provider_id,
            {k.lower(): v for k, v in request.headers.items()},
            request.get_data(cache=False),
        )
    except UnknownProvider:
        raise ApiError(404, f"No provider {provider_id!r}.") from None
    except InvalidSignature as exc:
        raise ApiError(401, f"Invalid webhook signature: {exc}") from None
    return jsonify({"status": outcome})
