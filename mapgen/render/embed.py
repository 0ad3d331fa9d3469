"""A page as an ``<iframe srcdoc>`` snippet to paste into another page."""

from __future__ import annotations


def snippet(page: str, *, width: int = 800, height: int = 600, title: str = "Control map") -> str:
    """See :func:`mapgen.api.embed_snippet`."""
    import html

    text = html.escape(page, quote=True).encode("ascii", "xmlcharrefreplace")
    w, h = int(width), int(height)
    return (f'<iframe srcdoc="{text.decode("ascii")}" width="{w}" height="{h}" '
            f'style="width:100%;max-width:{w}px;height:auto;aspect-ratio:{w}/{h};'
            'border:1px solid #ccc" loading="lazy" '
            f'title="{html.escape(title, quote=True)}" '
            'sandbox="allow-scripts allow-popups allow-popups-to-escape-sandbox"></iframe>\n')
