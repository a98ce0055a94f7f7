"""Petition texts are staff-edited Markdown, rendered to sanitised HTML."""

import functools

import nh3
from markdown_it import MarkdownIt
from mdit_py_plugins.footnote import footnote_plugin

_renderer = MarkdownIt("commonmark", {"html": False, "linkify": False}).use(footnote_plugin)

_ALLOWED_TAGS = {
    "p", "br", "strong", "em", "a", "ul", "ol", "li", "blockquote", "h2", "h3", "h4",
    "hr", "sup", "section", "code", "pre",
}
_ALLOWED_ATTRIBUTES = {
    "a": {"href", "id", "title"},
    "sup": {"class", "id"},
    "li": {"id", "class"},
    "ol": {"class", "start"},
    "section": {"class"},
    "hr": {"class"},
}


# A pure function of the text: each process renders a petition's text once, not
# on every uncached view of its page (it was a fifth of the petition page's time).
@functools.lru_cache(maxsize=64)
def render_markdown(text: str) -> str:
    """Markdown to HTML that is safe to mark safe in a template."""
    html = _renderer.render(text)
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )


def split_title(text: str) -> tuple[str, str]:
    """A petition file starts with '# Title'; return (title, body)."""
    first, _, rest = text.lstrip().partition("\n")
    if first.startswith("# "):
        return first[2:].strip(), rest.lstrip("\n")
    return "", text
