"""User text is escaped so Markdown renders it literally."""

from assessments.text import (
    escape_markdown,
    escape_markdown_file,
    escape_markdown_file_line,
    escape_markdown_line,
)


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


# Markdown files: escaped only where Markdown acts, readable and copyable raw.


def test_a_markdown_file_keeps_markup_literal() -> None:
    escaped = escape_markdown_file_line("**x** <script> [a](b) # h | `c` ~~s~~ &amp;")
    assert (
        escaped == "\\*\\*x\\*\\* \\<script\\> \\[a\\](b) \\# h \\| \\`c\\` \\~\\~s\\~\\~ \\&amp;"
    )


def test_a_markdown_file_leaves_dates_punctuation_and_words_alone() -> None:
    text = "2026-11-28 (before controls): see http://x.org/a_b, file_name.py & co. 3.5!"
    assert escape_markdown_file(text) == text
    assert "\u2060" not in escape_markdown_file("a: b www.x.org a@b.example")
    assert escape_markdown_file("_whole_ and snake_") == "\\_whole\\_ and snake\\_"


def test_line_start_markers_are_escaped_only_at_a_line_start() -> None:
    assert escape_markdown_file("- a\n+ b\n1. c\n2) d\n> e\n===\n    f") == (
        "\\- a\n\\+ b\n1\\. c\n2\\) d\n\\> e\n\\===\nf"
    )
    assert escape_markdown_file_line("1. not a list - really", line_start=False) == (
        "1. not a list - really"
    )
    assert escape_markdown_file_line("10.5 percent") == "10.5 percent"
