"""Rendering safety: engine output is untrusted Markdown, so nothing in it may load or link remote content."""

from __future__ import annotations

import re

# A model that read an injected instruction could emit an image whose URL carries chart text to
# another server the moment the draft is rendered; links and raw HTML are the same risk one click
# (or one renderer setting) away. The draft is clinical prose, so none of these has a legitimate use.
# No pattern crosses a blank line, so neutralizing a whole text equals neutralizing it paragraph by
# paragraph (the unit citations refer to).
_LINE_BREAK = r"\n(?![ \t]*\n)"  # a newline that does not start a blank line
_LABEL = r"((?:[^\[\]\n]|\[[^\[\]\n]*\]|" + _LINE_BREAK + r")*)"  # one level of brackets inside
_TARGET = r"(?:\((?:[^()\n]|\([^()\n]*\))*\)|\[[^\]\n]*\])"  # (destination "title") or [reference]
IMAGE = re.compile(r"!\[" + _LABEL + r"\]" + _TARGET)
LINK = re.compile(r"\[" + _LABEL + r"\]" + _TARGET)
REFERENCE_DEFINITION = re.compile(r"^[ ]{0,3}\[[^\]\n]+\]:[ \t]*\S+.*$\n?", re.MULTILINE)
AUTOLINK = re.compile(r"<(?:[A-Za-z][A-Za-z0-9+.-]{1,31}:[^<>\s]*|[^<>\s@]+@[^<>\s]+)>")
COMMENT = re.compile(r"<!--(?:[^\n]|" + _LINE_BREAK + r")*?-->")
TAG = re.compile(
    r"</?[A-Za-z][A-Za-z0-9-]*(?:(?:[ \t]|" + _LINE_BREAK + r")(?:[^<>\n]|" + _LINE_BREAK + r")*)?/?>"
    r"|<![A-Za-z\[][^<>\n]*>|<\?[^<>\n]*\?>"
)
OPEN_TAG = re.compile(r"<(?=[A-Za-z/!?])")  # what is left of a tag cut off by a blank line or the stream


def neutralize_markdown(text: str) -> str:
    """The text with images reduced to their alt text, links to their text, autolinks, link
    reference definitions, HTML comments and raw HTML tags removed. Everything else is kept."""
    if not text:
        return text
    text = REFERENCE_DEFINITION.sub("", text)
    text = IMAGE.sub(lambda m: m.group(1), text)
    # Link text may itself hold a link or an image; repeat until none is left.
    while True:
        new = LINK.sub(lambda m: m.group(1), text)
        if new == text:
            break
        text = new
    text = AUTOLINK.sub("", text)
    text = COMMENT.sub("", text)
    text = TAG.sub("", text)
    return OPEN_TAG.sub("", text)


# Whatever neutralizing missed (a destination Markdown accepts but the patterns above do not, such as a
# newline after "(" or deeper parentheses, or syntax left behind when a tag between its parts is removed)
# and whatever never was syntax (a bare https://, www. or e-mail address, which the renderer turns into a
# link by matching the parsed text, so a backslash escape does not stop it) is defused with an invisible
# word joiner: "![" and "]" + "(", "[" or ":" can then open no image, link or link reference definition,
# and no autolink pattern matches. The text reads and copies as before, apart from that invisible mark.
WORD_JOINER = "\u2060"
_DEFUSE = re.compile(
    r"(?<=!)(?=\[)"  # image opener
    r"|(?<=\])(?=[(\[:])"  # inline link or image, full or collapsed reference, reference definition
    r"|(?<=[A-Za-z]:)(?=//)"  # scheme://, http:// and https:// among them
    r"|(?<=www)(?=\.)"  # www.
    r"|(?<=@)(?=[\w.-])",  # e-mail addresses, mailto: and xmpp: among them
    re.IGNORECASE,
)


def shown(text: str) -> str:
    """Any text the app did not write itself (chart, import, user, model), as it may be given to a Streamlit
    call that renders Markdown: `neutralize_markdown`, then nothing left can render as an image or a link.
    Ordinary Markdown (bold, lists, headings, tables) renders as before."""
    if not text:
        return text
    return _DEFUSE.sub(WORD_JOINER, neutralize_markdown(text))
