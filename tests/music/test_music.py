"""The generated music library: tracks by mood that decode, loop and sound different."""

import wave

import numpy as np

from fluxnote.music.services import MOODS, TRACKS, track_path, tracks
from tests.conftest import auth, make_token, make_user


def decode(path):
    with wave.open(str(path), "rb") as src:
        assert src.getsampwidth() == 2
        rate, channels = src.getframerate(), src.getnchannels()
        data = np.frombuffer(src.readframes(src.getnframes()), dtype="<i2") / 32768.0
    return data.reshape(-1, channels), rate


def test_library_covers_at_least_six_moods_with_60_to_90_second_loops():
    assert {"upbeat", "calm", "dramatic", "inspiring", "suspense", "lo-fi"} <= set(MOODS)
    assert all(60 <= t["duration_s"] <= 90 for t in tracks())
    assert len({t["id"] for t in tracks()}) == len(TRACKS)


def test_tracks_render_decode_and_differ_by_mood(tmp_path):
    upbeat, rate = decode(track_path("upbeat-sunny-pop", tmp_path))
    calm, _ = decode(track_path("calm-morning-air", tmp_path))

    assert rate == 44100 and upbeat.shape[1] == 2
    assert abs(len(upbeat) / rate - TRACKS["upbeat-sunny-pop"].duration_s) < 0.01
    for track in (upbeat, calm):
        loudness = np.sqrt(np.mean(track[: 10 * rate] ** 2))
        assert 0.03 < loudness < 0.5 and np.abs(track).max() < 1.0
    # drums: the upbeat track is full of sharp onsets, the calm one is not
    assert onset_rate(upbeat[:, 0], rate) > 2 * onset_rate(calm[:, 0], rate)
    # not a sine beep: energy spread over many frequency bands
    spectrum = np.abs(np.fft.rfft(upbeat[rate * 20 : rate * 30, 0]))
    bands = np.add.reduceat(spectrum, np.geomspace(20, len(spectrum) - 1, 25).astype(int))
    assert (bands > bands.max() * 0.01).sum() > 15


def test_tracks_are_cached_and_deterministic(tmp_path):
    first = track_path("suspense-night-watch", tmp_path)
    stamp = first.stat().st_mtime_ns
    assert track_path("suspense-night-watch", tmp_path).stat().st_mtime_ns == stamp
    other = track_path("suspense-night-watch", tmp_path / "elsewhere")
    assert other.read_bytes() == first.read_bytes()


def test_music_api_lists_the_library(client):
    token = make_token(make_user())
    rows = client.get("/api/v1/music", headers=auth(token)).get_json()
    assert {r["mood"] for r in rows} == set(MOODS)


def onset_rate(samples, rate) -> float:
    """Sharp energy rises per second (10 ms frames, > 6 dB jump)."""
    frames = samples[: len(samples) // 441 * 441].reshape(-1, 441)
    db = 10 * np.log10(np.mean(frames**2, axis=1) + 1e-10)
    return float(np.sum(np.diff(db) > 6) / (len(samples) / rate))
