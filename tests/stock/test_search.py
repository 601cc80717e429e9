"""Stock search against a loopback server speaking the Pexels and Pixabay APIs."""

import pytest

from fluxnote.stock import services
from fluxnote.stock.search import StockError, search
from tests.stock.conftest import PEXELS_KEY


def test_pexels_videos_send_the_key_and_pick_the_smallest_full_hd_file(app, library):
    items = search(app.config["STOCK"], "pexels", "octopus", "video", "portrait")
    path, query, headers = library.seen[-1]
    assert path == "/videos/search" and headers["Authorization"] == PEXELS_KEY
    assert query["query"] == ["octopus"] and query["orientation"] == ["portrait"]
    first = items[0]
    assert (first.width, first.height) == (1080, 1920) and "/redirect/" in first.url
    assert first.attribution() == {
        "provider": "Pexels",
        "url": "https://www.pexels.com/video/clip-100/",
        "author": "Videographer 100",
        "licence": "Pexels License",
    }


def test_pixabay_skips_missing_renditions_and_scales_photo_sizes(app, library):
    config = app.config["STOCK"]
    video = search(config, "pixabay", "reef", "video", "portrait")[0]
    assert (video.width, video.height, video.duration_s) == (1080, 1920, 20.0)
    assert library.seen[-1][0] == "/pixabay/videos/" and library.seen[-1][1]["q"] == ["reef"]
    photo = search(config, "pixabay", "reef", "image", "portrait")[0]
    assert library.seen[-1][1]["orientation"] == ["vertical"]
    assert (photo.width, photo.height) == (853, 1280) and not photo.sharp
    assert photo.attribution()["licence"] == "Pixabay Content License"


def test_ranking_puts_sharp_portrait_clips_long_enough_first(app, library):
    items = services.find(["octopus"], "9:16", seconds=6.0)
    assert len(items) == services.WANT
    assert all(i.sharp and services.shape(i) == "portrait" for i in items)
    # Pexels' first hit is 3 s long: relevant, but shorter than the scene, so it drops
    # behind each library's best clip that lasts the scene
    refs = [i.ref for i in items]
    assert set(refs[:2]) == {"pixabay:video:555", "pexels:video:101"}
    assert refs.index("pexels:video:100") > refs.index("pexels:video:101")


def test_a_landscape_frame_searches_landscape(app, library):
    items = services.find(["octopus"], "16:9", seconds=4.0)
    assert services.shape(items[0]) == "landscape"


def test_nothing_found_is_empty_and_a_broken_library_says_so(app, library):
    library.empty_queries.add("zzxq")
    assert services.find(["zzxq"], "9:16", 5.0) == []
    library.fail = True
    with pytest.raises(StockError, match="HTTP 500"):
        services.find(["octopus"], "9:16", 5.0)


def test_a_bad_key_is_an_error_not_an_empty_result(app, library):
    app.config["STOCK"] = dict(app.config["STOCK"], PEXELS_API_KEY="wrong", PIXABAY_API_KEY="")
    with pytest.raises(StockError, match="HTTP 401"):
        services.find(["octopus"], "9:16", 5.0)
