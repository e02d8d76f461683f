"""The accessibility pass (analysis.report.a11y) on small pages: ids, links, tables, images."""

from __future__ import annotations

import base64
import re
import struct
import zlib

from analysis.report.a11y import (
    HIDDEN,
    SCROLL_BOX,
    VALID_ID,
    accessible,
    description_meta,
    png_size,
    slug,
)


def _png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = b"".join(b"\0" + b"\0" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def test_slug_keeps_letters_digits_and_hyphens():
    assert (
        slug("Each-event&#x27;s-change,-net-of-the-others")
        == "Each-events-change-net-of-the-others"
    )
    assert slug("Each-event's-change,-net-of-the-others") == "Each-events-change-net-of-the-others"
    assert slug("What-%22net-of%22-means,-and-when") == "What-net-of-means-and-when"
    assert slug("How-big-was-the-change?") == "How-big-was-the-change"
    assert slug("06-%C2%B7-Which-event") == "id-06-Which-event"
    for value in ("a", "x?y", "%C2%B7", "1", "--", "Ünïcode title"):
        assert VALID_ID.match(slug(value)), value


def test_ids_are_made_valid_and_unique_and_links_follow():
    page = (
        '<div class="jp-Cell" id="cell-id=cell-0"><h2 id="Why?">Why?'
        '<a class="anchor-link" href="#Why?">¶</a></h2>'
        '<h2 id="Why">Why</h2><p><a href="#Why?">up</a> <a href="#Why">same</a>'
        ' <a href="https://example.org/#Why?">away</a></p></div>'
    )
    out = accessible(page)
    assert "cell-id" not in out
    ids = re.findall(r' id="([^"]*)"', out)
    assert ids == ["Why-2", "Why"]  # the valid id keeps its name; the renamed one gets a suffix
    assert out.count('href="#Why-2"') == 2 and out.count('href="#Why"') == 1
    assert 'href="https://example.org/#Why?"' in out


def test_tables_get_captions_scopes_and_a_focusable_scroll_box():
    page = (
        "<h2>Attacks</h2><table><thead><tr><th>week</th><th>n</th></tr></thead>"
        "<tbody><tr><th>1</th><td>3</td></tr></tbody></table>"
        "<h2>Tallies</h2><table><tr><th>a</th></tr></table><table><tr><td>b</td></tr></table>"
        "<table><caption>Own caption</caption><tr><td>c</td></tr></table>"
    )
    out = accessible(page, caption="Page")
    captions = re.findall(r"<caption[^>]*>([^<]*)</caption>", out)
    assert captions == [
        "Attacks",
        "Tallies (table 1 of 3)",
        "Tallies (table 2 of 3)",
        "Own caption",
    ]
    assert out.count(f'<caption class="{HIDDEN}">') == 3
    boxes = re.findall(
        rf'<div class="{SCROLL_BOX}" tabindex="0" role="region" aria-label="([^"]*)">', out
    )
    assert boxes == captions
    assert re.findall(r"<th scope=\"(\w+)\">(\w+)</th>", out) == [
        ("col", "week"),
        ("col", "n"),
        ("row", "1"),
        ("row", "a"),
    ]
    assert accessible(out) == out  # a second pass changes nothing
    assert (
        accessible("<table><tr><td>x</td></tr></table>", caption="The page").count(
            f'<caption class="{HIDDEN}">The page</caption>'
        )
        == 1
    )


def test_png_images_get_their_own_width_and_height():
    data = _png(37, 11)
    assert png_size(data) == (37, 11)
    assert png_size(b"GIF89a" + data) is None
    src = base64.b64encode(data).decode()
    out = accessible(f'<img alt="x" src="data:image/png;base64,{src}"/><img src="x.png">')
    assert f'<img alt="x" src="data:image/png;base64,{src}" width="37" height="11"/>' in out
    assert '<img src="x.png">' in out  # no embedded PNG: left alone
    sized = '<img src="data:image/png;base64,' + src + '" width="5">'
    assert accessible(sized) == sized


def test_description_is_plain_escaped_and_short():
    meta = description_meta("<b>Rates</b> & " + "word " * 200)
    content = re.search(r'content="([^"]*)"', meta)[1]
    assert content.startswith("Rates &amp; word") and content.endswith("…")
    assert len(content) < 320
