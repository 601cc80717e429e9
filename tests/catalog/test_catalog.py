"""The model catalogue and `GET /api/v1/models` on the real provider registry."""

from fluxnote.catalog.services import all_models, get_model, retired_reason
from tests.conftest import auth, build_app, make_token, make_user

PROVIDERS = {"offline", "fal", "replicate", "openai", "runway"}


def test_catalogue_has_the_third_party_models_and_the_offline_engine():
    third = [m for m in all_models() if not m.offline]
    assert sum(m.kind == "video" for m in third) == 10
    assert sum(m.kind == "image" for m in third) == 16
    assert {m.provider for m in all_models()} == PROVIDERS
    assert len({m.id for m in all_models()}) == len(all_models())
    for name in (
        "Veo 3.1",
        "Kling 3.0",
        "Runway Gen-4 Turbo",
        "FLUX.2 [pro]",
        "GPT Image 2",
    ):
        assert any(m.name == name for m in all_models()), name
    for model in all_models():
        assert model.provider_model and len(model.resolutions) == len(model.aspects) >= 1
        if model.kind == "video":
            assert model.max_duration_s >= 5 and model.output_resolution
            assert model.audio in ("none", "off", "discarded")
    assert (
        get_model("offline-video").image_to_video
        and get_model("offline-video").max_duration_s == 10
    )
    assert get_model("veo-3.1").resolution("16:9") == "1920x1080"


def test_a_shape_a_model_cannot_frame_is_made_at_its_nearest_and_said():
    veo, ltx, kling = get_model("veo-3.1"), get_model("ltx-2"), get_model("kling-3.0")
    assert veo.native_aspect("1:1") == "9:16" and veo.resolution("1:1") == "1080x1920"
    assert veo.fit_notice("9:16") is None
    assert veo.fit_notice("1:1") == (
        "Veo 3.1 cannot make 1:1; it is generated at 9:16 and centre-cropped to 1:1 in the render."
    )
    assert ltx.native_aspect("9:16") == "16:9" and ltx.fit_notice("9:16")
    # a first frame sets the shape of an image-to-video clip where the model follows it
    assert kling.fit_notice("1:1", with_image=True) is None
    assert get_model("hailuo-02").fit_notice("9:16", with_image=True) is None
    assert get_model("hailuo-02").fit_notice("9:16")
    for gone in ("sora-2-pro", "imagen-4", "dall-e-3", "gpt-image-1"):
        assert get_model(gone) is None and retired_reason(gone)


def test_models_without_keys_are_unavailable_with_the_reason(client):
    token = make_token(make_user())
    body = client.get("/api/v1/models", headers=auth(token)).get_json()
    models = {m["id"]: m for kind in ("video", "image") for m in body[kind]}
    assert (
        models["offline-image"]["available"] and "unavailable_reason" not in models["offline-image"]
    )
    assert (models["kling-3.0"]["credit_kind"], models["kling-3.0"]["credit_cost"]) == (
        "video",
        1,
    )
    assert models["veo-3.1"] == {
        **models["veo-3.1"],
        "available": False,
        "unavailable_reason": "set FAL_KEY",
        "provider": "fal",
        "max_duration_s": 8,
        "durations": [4, 6, 8],
        "image_to_video": True,
        "aspects": ["9:16", "16:9"],
        "resolutions": ["1080x1920", "1920x1080"],
        "output_resolution": "1080p",
        "audio": "off",
    }
    assert models["flux-2-pro"]["aspects"] == ["9:16", "16:9", "1:1"]
    assert "dall-e-3" not in models and "gpt-image-1" not in models
    assert models["gpt-image-2"]["unavailable_reason"] == "set OPENAI_API_KEY"
    assert models["seedance-1-pro"]["unavailable_reason"] == "set REPLICATE_API_TOKEN"
    assert models["runway-gen-4"]["unavailable_reason"] == "set RUNWAYML_API_SECRET"
    assert client.get("/api/v1/models").status_code == 401


def test_a_configured_key_makes_its_provider_available(tmp_path, redis_url):
    keys = {
        "FAL_KEY": "fal-test-key",
        "REPLICATE_API_TOKEN": "",
        "OPENAI_API_KEY": "",
        "RUNWAYML_API_SECRET": "",
        "ELEVENLABS_API_KEY": "",
    }
    app = build_app(tmp_path, redis_url, PROVIDER_KEYS=keys)
    with app.app_context():
        token = make_token(make_user())
        body = app.test_client().get("/api/v1/models", headers=auth(token)).get_json()
    models = {m["id"]: m for kind in ("video", "image") for m in body[kind]}
    assert models["veo-3.1"]["available"] and models["flux-2-pro"]["available"]
    assert not models["gpt-image-2"]["available"]
