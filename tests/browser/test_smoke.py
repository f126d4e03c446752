"""The live server answers in Chromium, and staff get through the one-time code page."""


def test_manager_reaches_the_dashboard(page, log_in, shoot):
    log_in(page, "manager")
    page.goto("/")
    shoot(page, "landing")
    assert page.locator("nav").count() >= 1
    assert "login" not in page.url
