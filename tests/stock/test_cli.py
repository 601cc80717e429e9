"""`fluxnote make --visuals stock` and `--url` on the command line."""

from fluxnote.assets.models import Asset
from fluxnote.extensions import db


def test_make_with_stock_footage_renders_an_mp4(app, runner, library, tmp_path):
    app.config["RENDER_PRESET"] = "ultrafast"
    out = tmp_path / "stock.mp4"
    result = runner.invoke(
        args=["make", "octopus hearts", "--template", "quote", "--visuals", "stock", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 10_000
    sources = set(db.session.scalars(db.select(Asset.source).where(Asset.kind == "video")))
    assert sources == {"stock"}


def test_make_says_why_an_article_cannot_be_used(app, runner, library):
    result = runner.invoke(args=["make", "--url", f"{library.base}/nothing-here", "-o", "x.mp4"])
    assert result.exit_code != 0 and "HTTP 404" in result.output
