"""GET /api/v1/voices and the preview route."""

from tests.conftest import auth, login, make_token, make_user


def test_voices_list_offline_and_third_party_voices_with_availability(app, client):
    app.config["PROVIDER_KEYS"] = {"OPENAI_API_KEY": "", "ELEVENLABS_API_KEY": ""}
    token = make_token(make_user())

    voices = {v["id"]: v for v in client.get("/api/v1/voices", headers=auth(token)).get_json()}

    assert voices["piper-joe"]["available"] is True and voices["piper-joe"]["provider"] == "piper"
    assert {"piper-joe-calm", "piper-joe-energetic", "piper-joe-deep"} <= voices.keys()
    assert {v["language"] for v in voices.values() if v["provider"] == "espeak"} >= {
        "es-ES",
        "fr-FR",
        "de-DE",
        "it-IT",
        "pt-BR",
    }
    openai = [v for v in voices.values() if v["provider"] == "openai"]
    assert sorted(v["id"].removeprefix("openai-") for v in openai) == sorted(
        [
            "alloy",
            "ash",
            "ballad",
            "coral",
            "echo",
            "sage",
            "shimmer",
            "verse",
            "marin",
            "cedar",
        ]
    )
    assert all(not v["available"] and "OPENAI_API_KEY" in v["unavailable_reason"] for v in openai)
    assert any(v["provider"] == "elevenlabs" for v in voices.values())


def test_a_key_makes_its_provider_available(app, client):
    app.config["PROVIDER_KEYS"] = {"OPENAI_API_KEY": "", "ELEVENLABS_API_KEY": "xi"}
    token = make_token(make_user())
    voices = client.get("/api/v1/voices", headers=auth(token)).get_json()
    assert all(v["available"] for v in voices if v["provider"] == "elevenlabs")
    assert not any(v["available"] for v in voices if v["provider"] == "openai")


def test_voices_and_music_need_a_token_and_are_documented(client):
    assert client.get("/api/v1/voices").status_code == 401
    assert client.get("/api/v1/music").status_code == 401
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "/api/v1/voices" in paths and "/api/v1/music" in paths


def test_preview_route_plays_a_sample_for_signed_in_creators(app, client):
    app.config["PROVIDER_KEYS"] = {}
    assert client.get("/voices/piper-joe/preview.wav").status_code in (302, 401)
    login(client, make_user())

    response = client.get("/voices/piper-joe/preview.wav")
    assert response.status_code == 200 and response.mimetype == "audio/wav"
    assert response.data[:4] == b"RIFF"
    assert client.get("/voices/no-such-voice/preview.wav").status_code == 404
    assert client.get("/voices/openai-alloy/preview.wav").status_code == 409
