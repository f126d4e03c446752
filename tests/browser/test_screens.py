"""Screens and words (issue 14): every role's menu on one line from 1200 px in both languages,
a step that cannot move says what it waits for (step page and inbox), the inbox on a phone
without bare labels, and text fields that count their characters and say when a paste was cut."""
import re

import pytest
from playwright.sync_api import expect

from .helpers import in_chinese, open_step
from .main_pages import PHONE, demo_ids, signed_in_context

# The header's entries (brand, menu items, language switch, bell, user menu) and what hides them.
HEADER = """() => {
    const bar = document.querySelector("nav.navbar > .container").getBoundingClientRect();
    const style = getComputedStyle(document.querySelector("nav.navbar > .container"));
    const inner = {left: bar.left + parseFloat(style.paddingLeft),
                   right: bar.right - parseFloat(style.paddingRight)};
    const entries = [...document.querySelectorAll(
        "nav.navbar .navbar-brand, #nav > .navbar-nav > .nav-item")].map(el => {
            const box = el.getBoundingClientRect();
            return {text: el.innerText.trim().split("\\n")[0],
                    left: box.left, right: box.right, top: box.top, width: box.width};
        });
    return {toggler: document.querySelector("nav.navbar .navbar-toggler").offsetParent !== null,
            inner, entries};
}"""


def header_problems(page):
    """What keeps the header from showing its whole menu on one line, in words."""
    found = page.evaluate(HEADER)
    problems = ["the menu is folded behind the menu button"] if found["toggler"] else []
    entries, inner = sorted(found["entries"], key=lambda e: e["left"]), found["inner"]
    for entry in entries:
        if entry["width"] == 0:
            problems.append(f"{entry['text']!r} is hidden")
        elif entry["left"] < inner["left"] - 1 or entry["right"] > inner["right"] + 1:
            problems.append(f"{entry['text']!r} sticks out of the header "
                            f"({entry['left']:.0f}–{entry['right']:.0f} px)")
    shown = [e for e in entries if e["width"]]
    for before, after in zip(shown, shown[1:], strict=False):
        if after["left"] < before["right"] - 1:
            problems.append(f"{before['text']!r} and {after['text']!r} overlap")
    if shown and max(e["top"] for e in shown) - min(e["top"] for e in shown) > 8:
        problems.append("the entries wrap onto a second line")
    return problems


def switch_language(page, tag):
    """Through the header's language switch (it names the other language in itself), sent
    whether or not the header shows it: that is what the test looks at next."""
    if not (page.locator("html").get_attribute("lang") or "").startswith(tag):
        with page.expect_navigation():
            page.locator("form.language-switch button").evaluate("b => b.form.requestSubmit(b)")
    expect(page.locator("html")).to_have_attribute("lang", re.compile(f"^{tag}"))


@pytest.mark.parametrize("role", ["visitor", "enterprise", "agent", "manager"])
def test_every_roles_menu_is_on_one_line_from_1200_px_in_both_languages(role, live_app,
                                                                         new_context, shoot):
    page = signed_in_context(new_context, role).new_page()
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/login" if role == "visitor" else "/account/security")
    failures = []
    try:
        for tag in ("en", "zh"):
            switch_language(page, tag)
            for width in (1200, 1280, 1400, 1920):
                page.set_viewport_size({"width": width, "height": 800})
                failures += [f"{tag} at {width} px: {p}" for p in header_problems(page)]
            if role == "manager" and tag == "en":
                page.set_viewport_size({"width": 1280, "height": 800})
                page.goto("/manage/dashboard")
                shoot(page, "manager-menu-in-english")
    finally:
        switch_language(page, "zh")   # the language is remembered per account
    assert not failures, f"{role}'s menu:\n" + "\n".join(failures)


def test_a_blocked_step_says_what_it_waits_for_in_the_inbox_and_on_its_page(live_app, new_context,
                                                                             shoot):
    """agent1's 通信接入 waits for a 续办委托书 the enterprise has not signed (demo data)."""
    page = signed_in_context(new_context, "agent").new_page()
    page.goto("/inbox")
    in_chinese(page)
    row = page.get_by_role("row").filter(has=page.get_by_role("cell", name="通信接入", exact=True))
    expect(row).to_have_count(1)
    expect(row).to_contain_text("等待中")
    expect(row).to_contain_text("《代办服务续办委托书》尚待企业签署。")
    expect(row.get_by_role("link", name="办理", exact=True)).to_have_count(0)
    expect(row.get_by_role("link", name=re.compile("代办服务续办委托书"))).to_have_count(1)
    shoot(page, "inbox-with-a-waiting-step")
    case_id = int(re.search(r"/cases/(\d+)", row.get_by_role("link").first.get_attribute("href"))
                  .group(1))
    open_step(page, case_id, "通信接入")
    notice = page.get_by_role("region", name="该事项暂不能办理")
    expect(notice).to_contain_text("《代办服务续办委托书》尚待企业签署。")
    expect(notice).to_contain_text("企业签署、服务中心会签并加盖电子印章后，即可办理本事项。")
    expect(page.get_by_role("group", name="办理操作").get_by_role("radio")).to_have_count(1)
    shoot(page, "blocked-step")
    notice.get_by_role("link", name=re.compile("代办服务续办委托书")).click()
    page.wait_for_url(re.compile(r"/agreements/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("续办委托书")


def test_the_inbox_on_a_phone_shows_no_empty_labels(live_app, new_context, shoot):
    page = signed_in_context(new_context, "agent").new_page()
    page.set_viewport_size(PHONE)
    page.goto("/inbox")
    in_chinese(page)
    shoot(page, "inbox-on-a-phone")
    cells = page.evaluate("""() => [...document.querySelectorAll("main td[data-label]")]
        .filter(td => td.offsetParent !== null)
        .map(td => ({label: td.dataset.label, text: td.textContent.trim()}))""")
    bare = [cell["label"] for cell in cells if not cell["text"]]
    assert not bare, f"labels shown with nothing after them: {bare}"
    filed = [cell for cell in cells if cell["label"] == "报送日期"]
    assert filed and all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", cell["text"]) for cell in filed)


def test_a_text_field_counts_its_characters_and_says_when_a_paste_was_cut(live_app, live_server,
                                                                          new_context, shoot):
    context = signed_in_context(new_context, "agent")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    page = context.new_page()
    ids = demo_ids(live_app)
    page.goto(f"/cases/{ids['case_in_progress']}/steps/{ids['step_submitted']}")
    in_chinese(page)
    note = page.get_by_label("办理说明")
    expect(page.locator("#note-count")).to_have_text("0 / 2000 字")
    note.fill("材料已补齐")
    expect(page.locator("#note-count")).to_have_text("5 / 2000 字")

    number = page.get_by_label("受理号")
    counter = page.locator("#acceptance_no-count")
    warning = page.locator("#acceptance_no-count-cut")
    expect(counter).to_be_hidden()                 # a one-line field far from its limit
    page.evaluate("text => navigator.clipboard.writeText(text)", "受" * 75)
    number.fill("")
    number.focus()
    page.keyboard.press("Control+V")
    expect(number).to_have_value("受" * 60)         # the browser keeps what fits
    expect(counter).to_be_visible()
    expect(counter).to_have_text("60 / 60 字")
    expect(warning).to_have_text("粘贴的内容超过 60 字上限，末尾 15 字未能粘贴。")
    expect(warning).to_have_attribute("role", "status")
    assert "acceptance_no-count-cut" in number.get_attribute("aria-describedby")
    shoot(page, "cut-paste")
