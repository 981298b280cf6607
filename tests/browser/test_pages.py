"""Every main page: screenshots at desktop and phone widths, no sideways scrolling on a phone, tap
targets big enough for a thumb there, no moderate, serious or critical accessibility violations
(axe-core), no errors in the browser's console, and a reply written with the keyboard alone."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from ..pages import expected_status, halfway_pages, member_pages, public_pages
from .conftest import SCREENSHOTS, sign_in
from .data import cast, content

WIDTHS = (1280, 390)


@pytest.fixture(scope="module")
def scene(live_server):
    people = cast(live_server)
    return people, content(live_server, people)


def _violations(page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at "
        + ", ".join(str(node["target"]) for node in violation["nodes"][:3])
        for violation in results.response["violations"]
        if violation["impact"] in ("moderate", "serious", "critical")
    ]


# WCAG 2.2 2.5.8, Target Size (Minimum): each control at least 24 × 24 CSS pixels, or far enough from
# every other that a 24-pixel circle on its centre touches none; a link within a sentence is exempt.
SMALL_TARGETS = """() => {
  const selector = 'a[href], button, summary, select, input:not([type=hidden]), textarea';
  const controls = [...document.querySelectorAll(selector)]
    .filter((element) => element.getClientRects().length && getComputedStyle(element).visibility !== 'hidden');
  const inSentence = (element) => element.tagName === 'A' && [...element.parentElement.childNodes].some(
    (node) => node.nodeType === Node.TEXT_NODE && node.textContent.trim());
  const boxes = controls.map((element) => ({element, box: element.getBoundingClientRect()}));
  const centre = (box) => [box.left + box.width / 2, box.top + box.height / 2];
  const touches = ([x, y], box) => {
    const dx = Math.max(box.left - x, 0, x - box.right), dy = Math.max(box.top - y, 0, y - box.bottom);
    return dx * dx + dy * dy < 144;
  };
  const small = boxes.filter(({element, box}) => (box.width < 24 || box.height < 24) && !inSentence(element)
    && !element.closest('.prose'));
  return small.filter(({element, box}) => boxes.some((other) => other.element !== element
      && !other.element.contains(element) && !element.contains(other.element)
      && (touches(centre(box), other.box) || (small.some((s) => s.element === other.element)
        && Math.hypot(centre(box)[0] - centre(other.box)[0], centre(box)[1] - centre(other.box)[1]) < 24))))
    .map(({element, box}) => {
      const label = (element.textContent || element.name || '').trim().slice(0, 30);
      return `${element.tagName.toLowerCase()} "${label}" ${Math.round(box.width)}×${Math.round(box.height)}`;
    });
}"""


def _look_at(page, url: str, name: str, width: int, problems: dict) -> None:
    """Open the page, screenshot it, check it does not scroll sideways, and collect axe's complaints
    and the errors in the browser's console (a missing file, a blocked script)."""
    console = []

    def record(message):
        where = message.location["url"]
        # The not-found page answers 404 on purpose, and the console reports that like any failed load.
        if message.type == "error" and not (where == url and expected_status(name) != 200):
            console.append(f"console: {message.text} ({where})")

    page.on("console", record)
    response = page.goto(url)
    assert response.status == expected_status(name), f"{name} answered {response.status}"
    page.screenshot(path=SCREENSHOTS / f"{name}-{width}.png", full_page=True)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {width}px"
    found = _violations(page)
    if width < 500:
        found += [f"tap target too small and too close: {target}" for target in page.evaluate(SMALL_TARGETS)]
    page.remove_listener("console", record)
    if found or console:
        problems[name] = found + console


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_looks_right_and_passes_axe(live_server, new_context, scene, width):
    people, made = scene
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = new_context(viewport={"width": width, "height": 900}).new_page()
    problems: dict[str, list[str]] = {}
    for name, url in public_pages(made).items():
        _look_at(page, url if url.startswith("http") else f"{live_server.url}{url}", name, width, problems)
    page.goto(f"{live_server.url}/login")
    page.get_by_label("Email").fill(made.two_factor_email)
    page.get_by_label("Password").fill(people.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/login/code")
    for name, path in halfway_pages(made).items():
        _look_at(page, f"{live_server.url}{path}", name, width, problems)
    sign_in(page, live_server, people.facilitator, people.password)
    for name, path in member_pages(made).items():
        _look_at(page, f"{live_server.url}{path}", name, width, problems)
    assert problems == {}


def test_reply_with_the_keyboard_alone(live_server, new_context, scene):
    people, made = scene
    page = new_context().new_page()
    page.goto(f"{live_server.url}/login")
    # The email field has focus on arrival.
    expect(page.get_by_label("Email")).to_be_focused()
    page.keyboard.type(people.second_advisor)
    page.keyboard.press("Tab")
    page.keyboard.type(people.password)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/c/{people.slug}/posts/{made.post_id}")
    for _ in range(400):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "reply-body-top":
            break
    else:
        pytest.fail("the reply box cannot be reached with the Tab key")
    page.keyboard.type("Typed without a mouse: start with the referrals from the emergency department.")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Preview"
    page.keyboard.press("Enter")
    expect(page.locator("#reply-body-top-preview")).to_contain_text("Typed without a mouse")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.type") == "file"  # files are chosen with the keyboard too
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Send reply"
    page.keyboard.press("Enter")
    expect(page.get_by_text("Typed without a mouse")).to_be_visible()
    assert "#reply-" in page.url


def test_on_a_phone_the_first_post_is_above_the_fold_with_the_filters_folded(live_server, new_context, scene):
    people, _made = scene
    page = new_context(viewport={"width": 390, "height": 844}).new_page()
    sign_in(page, live_server, people.second_advisor, people.password)
    page.goto(f"{live_server.url}/c/{people.slug}/posts/")
    first_title = page.locator(".post-card").first.get_by_role("link").first
    box = first_title.bounding_box()
    assert box["y"] + box["height"] <= 844, f"the first post's title ends at {box['y'] + box['height']:.0f}px"
    filters = page.locator("details", has=page.locator("summary", has_text="Filter"))
    expect(filters).to_have_count(1)
    expect(filters).not_to_have_attribute("open", "")
