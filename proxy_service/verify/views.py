"""/verify: anyone may check an agreement by its number and code, or check a PDF file.

Rate limiting (issue 6, security.RATE_LIMITED: VERIFY_RATE_LIMIT on /verify and /verify/…):
both the form and the QR route need it, per client address, so that codes cannot be
guessed by brute force.
"""
from flask import render_template, request

from proxy_service.core.extensions import db
from proxy_service.documents import verification
from proxy_service.verify import bp
from proxy_service.verify.forms import VerifyForm


@bp.after_request
def private(response):
    # The answer depends on a secret code: keep it out of caches and Referer headers.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/verify", methods=["GET", "POST"])
def index():
    form = VerifyForm()
    if not form.validate_on_submit():
        return render_template("verify/index.html", form=form), 422 if form.is_submitted() else 200
    return _answer(form, form.number.data, form.code.data, form.file.data)


@bp.get("/verify/<number>")
def by_link(number):
    """The QR code's target: the same summary as the form, and the form to check a file."""
    code = request.args.get("code", "")
    form = VerifyForm(formdata=None, number=number, code=code)
    return _answer(form, number, code, None)


def _answer(form, number, code, upload):
    answer = verification.answer(number, code, upload)
    db.session.rollback()   # read only
    return render_template("verify/index.html", form=form, asked=answer.asked,
                           summary=answer.summary, file_check=answer.file_check,
                           refused=answer.refused)
