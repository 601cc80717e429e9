import pytest
from flask import Flask

from fluxnote.providers.base import GenerationRequest
from fluxnote.providers.registry import PROVIDER_IDS, get_provider, missing_key


def configured(tmp_path, keys=None, settings=None, **extra):
    app = Flask(__name__)
    app.config.update(
        {
            "PROVIDER_KEYS": keys or {},
            "PROVIDER_SETTINGS": settings or {},
            "DATA_DIR": str(tmp_path),
            "OPENAI_BASE_URL": "",
            **extra,
        }
    )
    return app.app_context()


def test_every_provider_reports_the_key_it_needs(tmp_path):
    with configured(tmp_path):
        assert missing_key("offline") is None
        assert missing_key("fal") == "set FAL_KEY"
        assert missing_key("replicate") == "set REPLICATE_API_TOKEN"
        assert missing_key("openai") == "set OPENAI_API_KEY"
        assert missing_key("runway") == "set RUNWAYML_API_SECRET"
    with configured(tmp_path, keys={"FAL_KEY": "k", "OPENAI_API_KEY": "  "}):
        assert missing_key("fal") is None
        assert missing_key("openai") == "set OPENAI_API_KEY"


def test_providers_are_built_from_the_app_config(tmp_path):
    settings = {
        "FAL_QUEUE_URL": "http://127.0.0.1:9/fal",
        "REPLICATE_BASE_URL": "http://127.0.0.1:9/r",
        "RUNWAY_BASE_URL": "http://127.0.0.1:9/rw",
        "PROVIDER_TIMEOUT_S": "7",
    }
    with configured(
        tmp_path, keys={"FAL_KEY": "fk"}, settings=settings, OPENAI_BASE_URL="http://127.0.0.1:9/v1"
    ):
        fal = get_provider("fal")
        assert (fal.key, fal.queue_url, fal.timeout) == ("fk", "http://127.0.0.1:9/fal", 7.0)
        assert get_provider("replicate").base_url == "http://127.0.0.1:9/r"
        assert get_provider("runway").base_url == "http://127.0.0.1:9/rw"
        assert get_provider("openai").base_url == "http://127.0.0.1:9/v1"
        assert {get_provider(p).id for p in PROVIDER_IDS} == set(PROVIDER_IDS)
        with pytest.raises(KeyError):
            get_provider("midjourney")
        with pytest.raises(KeyError):
            missing_key("midjourney")


def test_outside_an_app_the_environment_is_read(monkeypatch):
    monkeypatch.setenv("REPLICATE_API_TOKEN", "r8")
    monkeypatch.delenv("RUNWAYML_API_SECRET", raising=False)
    assert missing_key("replicate") is None
    assert missing_key("runway") == "set RUNWAYML_API_SECRET"


def test_offline_results_land_in_the_data_dir(tmp_path):
    with configured(tmp_path):
        result = get_provider("offline").submit(
            GenerationRequest(kind="image", model="offline-image", prompt="Tea", aspect="1:1")
        )
    assert tmp_path in result.output_path.parents and result.output_path.is_file()
