"""Text from outside is data, never markup or template; nothing is fetched; overrides are sandboxed."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import jinja2.sandbox
import pytest
from pypdf import PdfReader
from weasyprint import HTML

from letters.fetcher import FetchRefused, LocalAssetFetcher
from letters.kinds import LetterTemplateError
from letters.render import Renderer
from tests.support.letters import make_person, pdf_text


class CountingServer:
    """A real HTTP server on 127.0.0.1 that counts every request it receives."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                owner.hits.append(self.path)
                body = b"body { color: red }"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path}"


@pytest.fixture
def server() -> Iterator[CountingServer]:
    srv = CountingServer()
    srv.thread.start()
    yield srv
    srv.server.shutdown()
    srv.server.server_close()


def test_server_counts_requests(server):
    # The counter works: a plain urllib request to it is seen.
    import urllib.request

    urllib.request.urlopen(server.url("probe"), timeout=5).read()
    assert server.hits == ["/probe"]


@pytest.mark.parametrize("name", ["{{ 7*7 }}", "<b>x</b>", "{% raw %}{{ x }}{% endraw %}"])
def test_names_are_shown_literally(name, context, renderer):
    letter = renderer.render("warning", context("warning", person=make_person(name)))
    text = pdf_text(letter.pdf)
    assert f"Dear {name}," in text
    assert f"Dear {name}," in letter.text
    assert f"Dear {name}," in letter.covering_note
    assert "Dear 49," not in text


def hostile(server: CountingServer) -> str:
    return (
        f'<img src="{server.url("x")}"> '
        f"<style>@import url({server.url('y')});</style> "
        '<link rel="attachment" href="file:///etc/passwd"> '
        f'<div style="background: url({server.url("z")})">z</div>'
    )


def test_hostile_note_fetches_nothing_and_embeds_nothing(server, context, renderer):
    note = hostile(server)
    ctx = context("warning", fields={"incident_summary": note})
    letter = renderer.render("warning", ctx)
    reader = PdfReader(io.BytesIO(letter.pdf))
    assert server.hits == []
    assert reader.attachments == {}
    assert len(reader.pages[0].images) == 1  # the school's logo, nothing else
    text = pdf_text(letter.pdf)
    # Long words wrap at any "/" in 12pt type: compare without spaces.
    bare = text.replace(" ", "")
    assert f'<imgsrc="{server.url("x")}">' in bare
    assert '<linkrel="attachment"href="file:///etc/passwd">' in bare
    assert "root:" not in text


def test_hostile_override_template_fetches_nothing(server, tmp_path: Path, context, logo):
    # Even a school's own template, with raw HTML, cannot reach the network or other files.
    (tmp_path / "warning.html.j2").write_text(
        '{% extends "base.html.j2" %}{% block body %}'
        + hostile(server)
        + '<img src="file:///etc/hostname"><link rel="attachment" href="'
        + server.url("att")
        + '"><p>Body.</p>{% endblock %}'
    )
    (tmp_path / "letter.css").write_text(
        f"@import url({server.url('css')});\n"
        f"@font-face {{ font-family: X; src: url({server.url('font')}); }}\n"
        "body { font-family: X, sans-serif; }\n"
    )
    renderer = Renderer(tmp_path, logo)
    letter = renderer.render("warning", context("warning"))
    reader = PdfReader(io.BytesIO(letter.pdf))
    assert server.hits == []
    assert reader.attachments == {}
    assert len(reader.pages[0].images) == 1
    assert "Body." in pdf_text(letter.pdf)
    # The same HTML through bare WeasyPrint does reach the server: the test has teeth.
    bare = HTML(string=renderer.html("warning", context("warning"))).write_pdf()
    assert server.hits
    assert PdfReader(io.BytesIO(bare)).attachments


@pytest.mark.parametrize(
    ("source", "refused"),
    [
        ("{{ ''.__class__.__mro__ }}", "'__class__' of 'str'"),
        ("{{ ''.__class__.__mro__[1].__subclasses__() }}", "'__class__' of 'str'"),
        ("{{ recipient.__class__.__init__.__globals__ }}", "'__init__' of 'StrictUndefined'"),
        ("{{ cycler.__init__.__globals__.os.popen('id').read() }}", "'__init__' of 'type'"),
        ("{{ lipsum.__globals__ }}", "'__globals__' of 'function'"),
    ],
)
def test_override_escapes_are_stopped_by_the_sandbox(source, refused, tmp_path: Path, context):
    (tmp_path / "warning.html.j2").write_text(source)
    with pytest.raises(LetterTemplateError) as err:
        Renderer(tmp_path).render("warning", context("warning"))
    cause = err.value.__cause__
    assert isinstance(cause, jinja2.sandbox.SecurityError)
    assert str(cause) == f"access to attribute {refused} object is unsafe."


def test_override_cannot_include_files_outside(tmp_path: Path, context):
    (tmp_path / "warning.html.j2").write_text('{% include "../../../../etc/passwd" %}')
    with pytest.raises(LetterTemplateError, match="TemplateNotFound"):
        Renderer(tmp_path).render("warning", context("warning"))


def test_user_text_is_never_a_template(context, renderer):
    ctx = context(
        "warning", fields={"incident_summary": "{{ school.__class__ }} {% if 1 %}x{% endif %}"}
    )
    letter = renderer.render("warning", ctx)
    assert "{{ school.__class__ }} {% if 1 %}x{% endif %}" in pdf_text(letter.pdf)


def test_fetcher_allows_only_its_files(logo, tmp_path: Path):
    fetcher = LocalAssetFetcher([], [logo])
    assert fetcher.fetch(logo.as_uri()).read()[:4] == b"\x89PNG"
    other = tmp_path / "other.png"
    other.write_bytes(logo.read_bytes())
    for url in (
        "http://127.0.0.1:1/x",
        "https://example.com/",
        "ftp://example.com/x",
        "data:text/plain,hello",
        "file:///etc/passwd",
        other.as_uri(),
        "file://otherhost" + str(logo),
        logo.as_uri().replace(logo.name, f"../{logo.parent.name}/{logo.name}/../../etc/passwd"),
    ):
        with pytest.raises(FetchRefused):
            fetcher.fetch(url)
