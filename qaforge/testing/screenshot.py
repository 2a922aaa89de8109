"""Screenshots of Label Studio's labeling UI in headless Chromium.

Drives Debian's ``/usr/bin/chromium`` with Python Playwright (no browser
download: ``playwright install`` is never needed). Used by tests and
benchmarks to check that a pushed task really renders for an annotator, and
where on the screen its parts are (bounding boxes relative to the viewport).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Page, Response, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
# The editor's central pane, where the task's object tags (Text, Image, ...)
# render. Waiting for it, not for the task's text anywhere, matters: the
# data manager's table beside it shows the same text before the editor exists.
EDITOR = ".lsf-main-view"
_EDITOR_IMAGES_SETTLED = (
    f"() => Array.from(document.querySelectorAll('{EDITOR} img')).every(img => img.complete)"
)
_LOADED_IMAGES = f"""() => Array.from(document.images)
    .filter(img => img.src && img.naturalWidth > 0)
    .map(img => ({{
        src: img.src,
        natural_width: img.naturalWidth,
        in_editor: img.closest('{EDITOR}') !== null,
    }}))"""
# Where each given text is drawn inside the editor: one rectangle per
# occurrence within a single text node (a text split over several nodes, e.g.
# around a highlight, is not found; measure its parts instead).
_TEXT_BOXES = f"""(texts) => {{
    const root = document.querySelector('{EDITOR}');
    const found = {{}};
    for (const [name, text] of Object.entries(texts)) {{
        found[name] = [];
        const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {{
            for (let at = node.data.indexOf(text); at >= 0; at = node.data.indexOf(text, at + 1)) {{
                const range = document.createRange();
                range.setStart(node, at);
                range.setEnd(node, at + text.length);
                const r = range.getBoundingClientRect();
                if (r.width > 0 && r.height > 0) {{
                    found[name].push({{x: r.x, y: r.y, width: r.width, height: r.height}});
                }}
            }}
        }}
    }}
    return found;
}}"""


class ScreenshotError(RuntimeError):
    """Logging in or rendering the task failed."""


@dataclass(frozen=True)
class LoadedImage:
    """An ``<img>`` of the page that loaded (``naturalWidth > 0``).

    The editor fetches task media itself and shows it from a ``blob:`` URL;
    the data manager's table shows thumbnails from the media URL directly.
    """

    src: str
    natural_width: int
    in_editor: bool


@dataclass(frozen=True)
class Box:
    """A rectangle of the page in CSS pixels, from the viewport's top left corner."""

    x: float
    y: float
    width: float
    height: float

    @property
    def right(self) -> float:
        """The right edge."""
        return self.x + self.width

    @property
    def bottom(self) -> float:
        """The bottom edge."""
        return self.y + self.height

    def within(self, other: Box) -> bool:
        """Whether this rectangle lies wholly inside ``other`` (edges may touch)."""
        return (
            self.x >= other.x
            and self.y >= other.y
            and self.right <= other.right
            and self.bottom <= other.bottom
        )


@dataclass(frozen=True)
class MediaResponse:
    """An answer to the browser for a file under ``/data/`` (local files, uploads)."""

    url: str
    status: int


@dataclass(frozen=True)
class TaskScreenshot:
    """What :func:`screenshot_task` saw.

    Attributes:
        path: The full-page PNG.
        text: ``document.body.innerText`` of the page.
        images: The images that loaded (``naturalWidth > 0``).
        media: Every response for a file under ``/data/``, in order.
        viewport: The browser window as a box (at 0, 0).
        boxes: Per name asked for (``find_elements``, ``find_texts``), the
            boxes of what was found and drawn, in page order; empty when nothing was.
    """

    path: Path
    text: str
    images: list[LoadedImage]
    media: list[MediaResponse]
    viewport: Box
    boxes: dict[str, list[Box]] = field(default_factory=dict)


def screenshot_task(
    *,
    url: str,
    email: str,
    password: str,
    project_id: int,
    task_id: int,
    out_png: Path,
    timeout_s: float = 60,
    expect_text: str | None = None,
    viewport: tuple[int, int] = (1400, 1000),
    full_page: bool = True,
    find_elements: Mapping[str, str] | None = None,
    find_texts: Mapping[str, str] | None = None,
) -> TaskScreenshot:
    """Log in as a user, open one task in the labeling UI and take a screenshot.

    Args:
        url: Base URL of Label Studio.
        email: Login of the user.
        password: Their password.
        project_id: The project.
        task_id: The task.
        out_png: Where the full-page PNG goes (parent folders are created).
        timeout_s: Limit for each step (login, rendering).
        expect_text: If given, also wait until the editor shows this text.
        viewport: Browser window size (width, height) in pixels.
        full_page: Take the whole page; else only what the window shows.
        find_elements: Name -> Playwright selector of elements whose boxes to
            measure (e.g. ``'button:has-text("Submit")'``), anywhere on the page.
        find_texts: Name -> a text whose boxes to measure inside the editor.

    Returns:
        The screenshot path, the page's visible text, its loaded images, the
        media files the browser fetched and the boxes asked for, measured as
        the task first shows (nothing scrolled).

    Raises:
        ScreenshotError: The login is refused or the editor does not render in time.
    """
    out_png.parent.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_FLAGS))
        try:
            page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
            page.set_default_timeout(timeout_s * 1000)
            media = _media_responses(page)
            _log_in(page, url=url, email=email, password=password)
            _open_task(page, labeling_url(url, project_id, task_id), expect_text=expect_text)
            return _photograph(
                page,
                out_png=out_png,
                full_page=full_page,
                media=media,
                boxes=_element_boxes(page, find_elements or {})
                | _text_boxes(page, find_texts or {}),
            )
        finally:
            browser.close()


def _photograph(
    page: Page,
    *,
    out_png: Path,
    full_page: bool,
    media: list[MediaResponse],
    boxes: dict[str, list[Box]],
) -> TaskScreenshot:
    """Save the page as a PNG and collect what it shows (boxes are measured before)."""
    page.screenshot(path=str(out_png), full_page=full_page)
    size = page.viewport_size or {"width": 0, "height": 0}
    return TaskScreenshot(
        path=out_png,
        text=page.evaluate("() => document.body.innerText"),
        images=[LoadedImage(**image) for image in page.evaluate(_LOADED_IMAGES)],
        media=media,
        viewport=Box(0, 0, size["width"], size["height"]),
        boxes=boxes,
    )


def _element_boxes(page: Page, selectors: Mapping[str, str]) -> dict[str, list[Box]]:
    """Name -> boxes of the drawn elements each selector matches (hidden ones left out)."""
    boxes: dict[str, list[Box]] = {}
    for name, selector in selectors.items():
        found = (element.bounding_box() for element in page.locator(selector).all())
        boxes[name] = [Box(**b) for b in found if b and b["width"] > 0 and b["height"] > 0]
    return boxes


def _text_boxes(page: Page, texts: Mapping[str, str]) -> dict[str, list[Box]]:
    """Name -> boxes of each occurrence of the text inside the editor."""
    if not texts:
        return {}
    found = page.evaluate(_TEXT_BOXES, dict(texts))
    return {name: [Box(**b) for b in found[name]] for name in texts}


def _media_responses(page: Page) -> list[MediaResponse]:
    """A list that fills, from now on, with the page's responses for files under ``/data/``."""
    media: list[MediaResponse] = []

    def record_media(response: Response) -> None:
        if urlsplit(response.url).path.startswith("/data/"):
            media.append(MediaResponse(response.url, response.status))

    page.on("response", record_media)
    return media


def _log_in(page: Page, *, url: str, email: str, password: str) -> None:
    """Log in through the login form.

    Raises:
        ScreenshotError: The login page did not let the user in.
    """
    page.goto(f"{url}/user/login/")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    try:
        page.wait_for_url(lambda address: "/user/login" not in address)
    except PlaywrightTimeoutError:
        raise ScreenshotError(f"Label Studio did not log in {email}") from None


def labeling_url(url: str, project_id: int, task_id: int) -> str:
    """The address of one task in Label Studio's labeling UI (the data manager, task open)."""
    return f"{url}/projects/{project_id}/data?tab=1&task={task_id}"


def _open_task(page: Page, address: str, *, expect_text: str | None) -> None:
    """Open a task's address and wait until the editor shows the task with its media.

    Raises:
        ScreenshotError: The editor did not render (or show ``expect_text``) in time.
    """
    page.goto(address)
    try:
        page.wait_for_selector(EDITOR, state="visible")
        # The editor appears before it has fetched the task's media.
        page.wait_for_load_state("networkidle")
        if expect_text is not None:
            page.locator(EDITOR).get_by_text(expect_text).first.wait_for()
        page.wait_for_function(_EDITOR_IMAGES_SETTLED)
    except PlaywrightTimeoutError:
        raise ScreenshotError(f"{address} did not render in time") from None
