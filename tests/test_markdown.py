"""User Markdown is rendered, then made inert by the sanitiser."""

import pytest

from cohort.markdown import render_markdown


def test_markdown_features_survive():
    html = render_markdown(
        "**Bold** and a [link](https://example.org)\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```\ncode\n```"
    )
    assert "<strong>Bold</strong>" in html
    assert '<a href="https://example.org" rel="nofollow noopener noreferrer">link</a>' in html
    assert "<table>" in html and "<code>code" in html


@pytest.mark.parametrize(
    "source, forbidden",
    [
        ("<script>alert(1)</script>", "<script"),
        ('<img src=x onerror="alert(1)">', "onerror"),
        ("[click](javascript:alert(1))", "javascript:"),
        ("[data](data:text/html;base64,PHNjcmlwdD4=)", "data:"),
        ('<svg onload="alert(1)"><circle/></svg>', "<svg"),
        ('<p style="position:fixed">x</p>', "style="),
        ("<iframe src='https://evil.example.com'></iframe>", "<iframe"),
        ('<a href="https://x.example" onclick="steal()">x</a>', "onclick"),
    ],
)
def test_dangerous_input_is_made_inert(source, forbidden):
    assert forbidden not in render_markdown(source)
