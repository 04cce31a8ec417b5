"""User text is escaped so Markdown renders it literally."""

from assessments.text import escape_markdown, escape_markdown_line


def test_markup_links_images_and_html_are_escaped() -> None:
    escaped = escape_markdown("**bold** [link](http://x) ![img](y) <b>html</b> # head")
    assert escaped == (
        "\\*\\*bold\\*\\* \\[link\\]\\(http\\://x\\) \\!\\[img\\]\\(y\\)"
        " \\<b\\>html\\</b\\> \\# head"
    )


def test_streamlit_emoji_and_colour_directives_are_broken_by_escaped_colons() -> None:
    escaped = escape_markdown(":red[alert] :smile:")
    assert escaped == "\\:red\\[alert\\] \\:smile\\:"


def test_one_line_form_joins_whitespace() -> None:
    assert escape_markdown_line("a\n  b") == "a b"
