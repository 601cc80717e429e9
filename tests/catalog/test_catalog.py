"""The model catalogue and `GET /api/v1/models` on the real provider registry."""
from fluxnote.catalog.services import all_models, get_model
from tests.conftest import auth, build_app, make_token, make_user

PROVIDERS = {"offline", "fal", "replicate", "openai", "runway"}


def test_catalogue_has_the_third_party_models_and_the_offline_engine():
    third = [m for m in all_models() if not m.offline]
    assert sum(m.kind == "video" for m in third) == 11
    assert sum(m.kind == "image" for m in third) == 19
    assert {m.provider for m in all_models()} == PROVIDERS
    assert len({m.id for m in all_models()}) == len(all_models())
    for name in ("Veo 3.1", "Sora 2 Pro", "Kling 3.0", "Runway Gen-4 Turbo", "FLUX.2 [pro]", "GPT Image 2"):
        assert any(m.name == name for m in all_models()), name
    for model in all_models():
        assert model.provider_model and model.resolutions
        if model.kind == "video":
            assert model.max_duration_s >= 5
    assert get_model("offline-video").image_to_video and get_model("offline-video").max_duration_s == 10
    assert get_model("veo-3.1").resolution("16:9") == "1280x720"


def test_models_without_keys_are_unavailable_with_the_reason(client):
    token = make_token(make_user())
    body = client.get("/api/v1/models", headers=auth(token)).get_json()
    models = {m["id"]: m for kind in ("video", "image") for m in body[kind]}
    assert models["offline-image"]["available"] and "unavailable_reason" not in models["offline-image"]
    assert (models["sora-2-pro"]["credit_kind"], models["sora-2-pro"]["credit_cost"]) == ("video", 1)
    assert models["veo-3.1"] == {**models["veo-3.1"], "available": False, "unavailable_reason": "set FAL_KEY",
                                 "provider": "fal", "max_duration_s": 8, "image_to_video": True}
    assert models["gpt-image-2"]["unavailable_reason"] == "set OPENAI_API_KEY"
    assert models["seedance-1-pro"]["unavailable_reason"] == "set REPLICATE_API_TOKEN"
    assert models["runway-gen-4"]["unavailable_reason"] == "set RUNWAYML_API_SECRET"
    assert client.get("/api/v1/models").status_code == 401


def test_a_configured_key_makes_its_provider_available(tmp_path, redis_url):
    keys = {"FAL_KEY": "fal-test-key", "REPLICATE_API_TOKEN": "", "OPENAI_API_KEY": "",
            "RUNWAYML_API_SECRET": "", "ELEVENLABS_API_KEY": ""}
    app = build_app(tmp_path, redis_url, PROVIDER_KEYS=keys)
    with app.app_context():
        token = make_token(make_user())
        body = app.test_client().get("/api/v1/models", headers=auth(token)).get_json()
    models = {m["id"]: m for kind in ("video", "image") for m in body[kind]}
    assert models["veo-3.1"]["available"] and models["flux-2-pro"]["available"]
    assert not models["gpt-image-2"]["available"]
