"""One config: from_env reads settings and nothing else; create_app makes the data dir."""

import os

from fluxnote import create_app
from fluxnote.config import from_env
from tests.conftest import build_app


def test_from_env_is_pure(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = from_env(
        {
            "FLUXNOTE_DATA_DIR": str(tmp_path / "data"),
            "OPENAI_API_KEY": "sk-x",
            "FLUXNOTE_WRITER_MODEL": "m",
            "STRIPE_SECRET_KEY": "sk_test",
        }
    )
    assert config["DATA_DIR"] == str(tmp_path / "data")
    assert config["PROVIDER_KEYS"]["OPENAI_API_KEY"] == "sk-x"
    assert config["WRITER_MODEL"] == "m" and config["STRIPE_SECRET_KEY"] == "sk_test"
    assert config["SECRET_KEY"] == ""  # no key file written
    assert list(tmp_path.iterdir()) == []  # no directory, no file


def test_create_app_writes_only_under_the_configured_data_dir(tmp_path, monkeypatch, redis_url):
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    data = tmp_path / "data"
    app = create_app(
        {
            "DATA_DIR": str(data),
            "MEDIA_DIR": str(data / "media"),
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "REDIS_URL": redis_url,  # not "": an embedded server here outlives the test
        }
    )
    assert list(cwd.iterdir()) == []
    key = (data / "secret_key").read_text()
    assert app.config["SECRET_KEY"] == key and len(key) == 64
    assert oct((data / "secret_key").stat().st_mode & 0o777) == "0o600"
    assert (data / "media").is_dir() and app.instance_path == str(data)
    again = create_app(
        {
            "DATA_DIR": str(data),
            "MEDIA_DIR": str(data / "media"),
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "REDIS_URL": redis_url,  # not "": an embedded server here outlives the test
        }
    )
    assert again.config["SECRET_KEY"] == key  # sessions survive a restart


def test_tests_do_not_see_the_developers_environment(tmp_path, monkeypatch, redis_url):
    for name, value in (
        ("OPENAI_API_KEY", "sk-real"),
        ("FLUXNOTE_BILLING", "stripe"),
        ("FAL_QUEUE_URL", "https://queue.fal.run"),
        ("SECRET_KEY", "real"),
    ):
        monkeypatch.setitem(os.environ, name, value)
    app = build_app(tmp_path, redis_url)
    assert app.config["PROVIDER_KEYS"]["OPENAI_API_KEY"] == ""
    assert app.config["BILLING_BACKEND"] == "selfhosted"
    assert app.config["PROVIDER_SETTINGS"]["FAL_QUEUE_URL"] == ""
    assert app.config["SECRET_KEY"] == "test"
