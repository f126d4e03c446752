"""The hand-drawn signature survives the pad changing size (a phone turned, a window
narrowed): the strokes are scaled with the pad, not cut off at its new edge."""
from .helpers import draw_signature
from .main_pages import demo_ids, signed_in_context

# The inked columns of the pad, as shares of its width.
INK = """canvas => {
    const {width, height} = canvas;
    const alpha = canvas.getContext("2d").getImageData(0, 0, width, height).data;
    let left = width, right = -1;
    for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
            if (alpha[(y * width + x) * 4 + 3] > 0) { left = Math.min(left, x); right = Math.max(right, x); }
        }
    }
    return {left: left / width, right: right / width, inked: right >= 0};
}"""


def test_strokes_are_scaled_with_the_pad(live_app, new_context, shoot):
    page = signed_in_context(new_context, "enterprise").new_page()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"/agreements/{demo_ids(live_app)['agreement_to_sign']}/sign")
    canvas = page.locator(".signature-canvas")
    draw_signature(page, canvas)   # strokes from 10 % to 90 % of the pad's width
    wide = canvas.evaluate(INK)
    assert wide["inked"] and 0.05 < wide["left"] < 0.15 and 0.85 < wide["right"] < 0.95

    page.set_viewport_size({"width": 375, "height": 800})
    page.wait_for_function("() => window.innerWidth === 375")
    page.wait_for_function("c => c.width === Math.round(c.offsetWidth * devicePixelRatio)",
                           arg=canvas.element_handle())
    narrow = canvas.evaluate(INK)
    # The whole signature, scaled: it still spans the same share of the (narrower) pad.
    assert narrow["inked"] and 0.05 < narrow["left"] < 0.15 and 0.8 < narrow["right"] < 0.95, \
        f"strokes cut off after the resize: {wide} → {narrow}"

    # Wide again: the signature is back at the size it was drawn.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.wait_for_function("c => c.width === Math.round(c.offsetWidth * devicePixelRatio)",
                           arg=canvas.element_handle())
    again = canvas.evaluate(INK)
    assert abs(again["left"] - wide["left"]) < 0.02 and abs(again["right"] - wide["right"]) < 0.02
    shoot(page, "signature-after-resizes")
