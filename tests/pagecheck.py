"""Load a page from disk in Chromium with the network cut off, and record what went wrong."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LOCAL = ("file:", "data:", "about:", "blob:")


@dataclass
class PageLog:
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


def open_page(browser: Any, path: Path, *, width: int = 1280, height: int = 800,
              settle_ms: int = 400) -> tuple[Any, PageLog]:
    """A new page (fresh context) showing ``path``; every non-local request is aborted and logged."""
    context = browser.new_context(viewport={"width": width, "height": height},
                                  service_workers="block")
    page = context.new_page()
    log = PageLog()
    page.on("console", lambda m: log.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: log.page_errors.append(str(e)))

    def on_dialog(d: Any) -> None:
        log.dialogs.append(d.message)
        d.dismiss()

    page.on("dialog", on_dialog)

    def route(r: Any) -> None:
        url = r.request.url
        if url.startswith(LOCAL):
            r.continue_()
        else:
            log.external.append(url)
            r.abort()

    context.route("**/*", route)
    page.goto(path.resolve().as_uri(), wait_until="load")
    page.wait_for_timeout(settle_ms)
    return page, log
