"""The page: a folium map with inlined assets, stable element ids and atomic saving."""

from __future__ import annotations

import base64
import re
from collections import OrderedDict
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import folium
from branca.element import CssLink, Element, Figure, JavascriptLink, MacroElement
from folium.elements import ElementAddToElement, JSCSSMixin
from folium.template import Template

from ..files import write_atomic as write_atomic  # where callers have always found it
from ..theatre import StatusStyle
from .payload import to_script_json as to_script_json  # where callers have always found it
from .style import status_css

LEAFLET_VERSION = "1.9.3"
LEAFLET_CDN = f"https://cdn.jsdelivr.net/npm/leaflet@{LEAFLET_VERSION}/dist"


@cache
def _leaflet_dir() -> Path:
    import xstatic.pkg.leaflet as xl

    return Path(xl.BASE_DIR)


def _script_safe(code: str) -> str:
    """Code that can sit inside ``<script>`` without ending it early."""
    return re.sub(r"</(script)", r"<\\/\1", code, flags=re.I)


@cache
def leaflet_css() -> str:
    """Leaflet's stylesheet with its images inlined as data URIs (no file or network fetch)."""
    css = (_leaflet_dir() / "leaflet.css").read_text(encoding="utf-8")

    def inline(match: re.Match[str]) -> str:
        data = (_leaflet_dir() / "images" / match.group(1)).read_bytes()
        return f"url(data:image/png;base64,{base64.b64encode(data).decode()})"

    return re.sub(r"url\(images/([\w.-]+\.png)\)", inline, css)


@cache
def leaflet_js() -> str:
    js = (_leaflet_dir() / "leaflet.js").read_text(encoding="utf-8")
    js = re.sub(r"//# sourceMappingURL=\S+", "", js)  # no request for a map file
    return _script_safe(js)


@cache
def _asset(name: str) -> str:
    return (resources.files("mapgen.render") / "assets" / name).read_text(encoding="utf-8")


@cache
def _script(name: str) -> str:
    """Our own page code as the page carries it: without its indentation and its whole-line
    ``//`` comments (a sixth of its size, read in the repository instead). The code has no
    template literals or line continuations, so no string spans lines and nothing else
    changes; the header comment naming the file stays."""
    lines = (line.strip() for line in _asset(name).splitlines())
    return "\n".join(line for line in lines if line and not line.startswith("//"))


class Assets(Element):
    """Leaflet and the mapgen page code, inline (default) or from a CDN (``online=True``)."""

    def __init__(self, statuses: tuple[StatusStyle, ...], *, online: bool = False,
                 extra_js: tuple[str, ...] = ()) -> None:
        super().__init__()
        self._name = "MapgenAssets"
        self.online = online
        self.extra_js = extra_js
        self.statuses = statuses

    def render(self, **kwargs: Any) -> str:
        parts = []
        if self.online:
            parts.append(f'<link rel="stylesheet" href="{LEAFLET_CDN}/leaflet.css"/>')
        else:
            parts.append(f"<style>{leaflet_css()}</style>")
        parts.append(f"<style>{_asset('mapgen.css')}\n{status_css(self.statuses)}</style>")
        if self.online:
            parts.append(f'<script src="{LEAFLET_CDN}/leaflet.js"></script>')
        else:
            parts.append(f"<script>{leaflet_js()}</script>")
        for name in ("layout.js", "arcs.js", "mapgen.js", *self.extra_js):
            parts.append(f"<script>{_script_safe(_script(name))}</script>")
        return "\n".join(parts)


class MapgenMap(folium.Map):
    """A folium Map with no CDN links of its own, a viewport that allows pinch zoom, and no
    jQuery, Bootstrap or icon fonts; Leaflet comes from :class:`Assets`."""

    css_class = ""  # "mapgen-before" / "mapgen-after" on a comparison's two maps
    default_js: list[tuple[str, str]] = []  # noqa: RUF012  (folium's own class attribute)
    default_css: list[tuple[str, str]] = []  # noqa: RUF012

    _template = Template(
        """
        {% macro header(this, kwargs) %}
            <meta name="viewport" content="width=device-width, initial-scale=1.0" />
            <style>#{{ this.get_name() }} {
                position: absolute;
                left: {{ this.left[0] }}{{ this.left[1] }};
                top: {{ this.top[0] }}{{ this.top[1] }};
                width: {{ this.width[0] }}{{ this.width[1] }};
                height: {{ this.height[0] }}{{ this.height[1] }};
            }</style>
        {% endmacro %}
        {% macro html(this, kwargs) %}
            <div class="folium-map {{ this.css_class }}" id={{ this.get_name()|tojson }} ></div>
        {% endmacro %}
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.map({{ this.get_name()|tojson }}, {
                center: {{ this.location|tojson }},
                crs: L.CRS.{{ this.crs }},
                zoom: {{ this.options.get("zoom", 6)|tojson }},
                zoomSnap: 0.25,
                preferCanvas: false
            });
            L.control.scale({imperial: false}).addTo({{ this.get_name() }});
        {% endmacro %}
        """
    )


class DataElement(MacroElement):
    """The payload, once per page, as escaped JSON in a script variable."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = {{ this.payload_json }};
        {% endmacro %}
        """
    )

    def __init__(self, payload: dict[str, Any]) -> None:
        super().__init__()
        self._name = "mapgen_data"
        self.payload_json = to_script_json(payload)


class ViewElement(MacroElement):
    """Creates the ``mapgen.View`` that draws the payload into the feature groups."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = new mapgen.{{ this.view_class }}(
                {{ this.map.get_name() }},
                {
                {%- for key, group in this.groups.items() %}
                    {{ key|tojson }}: {{ group.get_name() }}{{ "," if not loop.last }}
                {%- endfor %}
                },
                {{ this.data.get_name() }},
                {{ this.options_json }}
            );
            {{ this.get_name() }}.fit({{ this.bounds|tojson }});
            {{ this.map.get_name() }}.on("overlayadd", function () {
                {{ this.groups["provinces"].get_name() }}.eachLayer(function (l) {
                    if (l.bringToFront) l.bringToFront();
                });
            });
        {% endmacro %}
        """
    )

    def __init__(self, map_: folium.Map, groups: dict[str, folium.FeatureGroup],
                 data: DataElement, bounds: list[list[float]],
                 view_class: str = "View", options: dict[str, Any] | None = None) -> None:
        super().__init__()
        self._name = "mapgen_view"
        self.map = map_
        self.groups = groups
        self.data = data
        self.options_json = to_script_json(options or {})
        self.bounds = bounds
        self.view_class = view_class


def stabilise_ids(root: Element) -> None:
    """Replace folium's random element ids with a counter, so the same inputs give the same
    bytes."""
    counter = 0

    def walk(node: Element) -> None:
        nonlocal counter
        node._id = f"{counter:04d}"
        counter += 1
        for child in list(node._children.values()):
            walk(child)

    walk(root)
    # children are keyed by name, which embeds the id: re-key them in the same order
    def rekey(node: Element) -> None:
        items = list(node._children.values())
        node._children = OrderedDict((c.get_name(), c) for c in items)
        for c in items:
            rekey(c)

    rekey(root)


class RawText(Element):
    """Text that goes into the page verbatim: never compiled or rendered as a template."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "RawText"
        self.text = text

    def render(self, **kwargs: Any) -> str:
        return self.text


# The render() overrides in the tree that this module knows how to follow (see _prepare).
_KNOWN_RENDERS = frozenset({
    Element.render, MacroElement.render, Figure.render, folium.map.Class.render,
    folium.map.Layer.render, folium.map.LayerControl.render, JSCSSMixin.render,
})


def _prepare(node: Element, figure: Figure) -> None:
    """What folium's render() overrides do to the tree before the macros run: add the JS and
    CSS links, the layer's ``addTo`` call, the layer control's list of layers."""
    if isinstance(node, JSCSSMixin):
        for name, url in node.default_js:
            figure.header.add_child(JavascriptLink(url), name=name)
        for name, url in node.default_css:
            figure.header.add_child(CssLink(url), name=name)
    if isinstance(node, folium.map.Class) and node.includes:
        raise TypeError(f"{type(node).__name__}.include() is not supported by render_html")
    parent = node._parent
    if isinstance(node, folium.map.Layer) and node.show and parent is not None:
        node.add_child(ElementAddToElement(element_name=node.get_name(),
                                           element_parent_name=parent.get_name()),
                       name=node.get_name() + "_add")
    if isinstance(node, folium.map.LayerControl) and parent is not None:
        node.reset()
        for item in parent._children.values():
            if isinstance(item, folium.map.Layer) and item.control:
                target = node.overlays if item.overlay else node.base_layers
                target[item.layer_name] = item.get_name()


def _render_tree(node: Element, figure: Figure) -> None:
    """branca's MacroElement.render, except that a macro's output is added to the page as
    :class:`RawText`. branca wraps it in ``Element(output)``, which compiles the output as a
    *new* Jinja2 template: any data that reached it (record text, names, layer labels) would be
    evaluated as template code."""
    render = type(node).render
    if render not in _KNOWN_RENDERS:
        raise TypeError(f"render_html cannot follow {type(node).__name__}.render(); "
                        "add the element's steps to mapgen.render.page._prepare")
    if isinstance(node, MacroElement):
        _prepare(node, figure)
        macros = node._template.module.__dict__
        for part in ("header", "html", "script"):
            macro = macros.get(part)
            if macro is not None:
                getattr(figure, part).add_child(RawText(str(macro(node, {}))),
                                                name=node.get_name())
    for child in list(node._children.values()):
        _render_tree(child, figure)


def _nodes(root: Element) -> list[Element]:
    """Every element of a page: the tree under the figure and its header, body and script."""
    out: list[Element] = []
    stack = [root, *(getattr(root, part) for part in ("header", "html", "script") if hasattr(root, part))]
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(node._children.values())
    return out


def mark_built(figure: Element) -> None:
    """Remember the children of every element of a freshly built page, so a render can start
    from it again: branca and folium add elements whenever a page is rendered (each element's
    code into the figure's parts, an ``addTo`` call under each layer), e.g. when a notebook
    shows it."""
    figure._mapgen_built = [(node, list(node._children.items()))  # type: ignore[attr-defined]
                            for node in _nodes(figure)]


def render_html(map_: folium.Map) -> str:
    """The page's HTML, rendered from a copy as built: the caller's map is never changed, so
    showing it in a notebook and then saving it writes one map, with the same bytes. No string
    from the data is ever template source: element templates are rendered once, with the data
    as variables, and their output is kept as text (see :func:`_render_tree`)."""
    import copy

    root = copy.deepcopy(map_.get_root())
    if not isinstance(root, Figure):
        raise TypeError("render_html needs a map inside a branca Figure")
    for node, children in getattr(root, "_mapgen_built", ()):
        node._children = OrderedDict(children)
    stabilise_ids(root)
    for child in list(root._children.values()):
        _render_tree(child, root)
    # Figure's own template only calls render() on header, html and script children
    return str(root._template.render(this=root, kwargs={}))
