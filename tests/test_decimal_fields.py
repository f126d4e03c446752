"""Every decimal field of every form takes what it can hold exactly, and refuses anything else
with 422 and a message on the field: never a 500. Huge numbers (1e308, a 26-digit value) once
crashed the project forms in quantize() before the "数值过大" check could answer.

The fields come from the form classes themselves: every decimal field of a form with a driver
below is driven, and a new form with one fails the coverage test until it gets its driver.
Hypothesis drives each field with exponent forms, huge and tiny magnitudes, NaN and
infinities; the property is: a 422 with the field's error (nothing stored), or a redirect with
the value stored exactly as typed."""
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from flask_wtf import FlaskForm
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from wtforms import DecimalField, FloatField
from wtforms.fields.core import UnboundField

from config import TestingConfig
from proxy_service import create_app
from proxy_service.core.extensions import db
from proxy_service.models import Project

from . import factories
from .test_projects import edit_form, project_form

HUGE = ["1e308", "1e30", "9e29", "9" * 26, "-1e308", "1E+999999999", "12345678901234567890.5"]
SPECIAL = ["NaN", "-NaN", "sNaN", "NaN12", "Infinity", "-Infinity", "inf", "1e-999999999",
           "0.1e-30", "-0e99", "1e12", "1e10", "0e-5"]
NUMBERS = st.one_of(
    st.sampled_from(HUGE + SPECIAL),
    st.decimals().map(str),                                               # NaN, sNaN, ±Infinity too
    st.builds("{}e{}".format, st.integers(-10**6, 10**6), st.integers(-400, 400)),
    st.builds("{}E{:+d}".format, st.integers(1, 99), st.sampled_from([-10**9, 10**9, 25, 28, 29])),
    st.integers(-10**40, 10**40).map(str),
    st.builds("{}.{}".format, st.integers(0, 10**12), st.integers(0, 10**30)),
)


def _decimal_fields():
    """{(form class name, field name)} of every decimal (or float) field the app's forms have."""
    create_app(TestingConfig)   # imports every blueprint, hence every form

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    return {(form.__name__, name) for form in subclasses(FlaskForm)
            for name, unbound in inspect.getmembers(form, lambda v: isinstance(v, UnboundField))
            if issubclass(unbound.field_class, (DecimalField, FloatField))}


@dataclass
class Driver:
    """How to post one value into a decimal field: who posts, the form's page, a valid post."""
    form: str
    url: Callable
    data: Callable


def _new_project_url(world):
    return "/projects/new"


def _edit_url(world):
    return f"/projects/{world.project.id}/edit"


def _edit_data(world, **changes):
    db.session.refresh(world.project)
    return edit_form(world, world.project, **changes)


DRIVERS = [
    Driver("NewProjectForm", _new_project_url, project_form),
    Driver("ProjectForm", _edit_url, _edit_data),
]
FIELDS = sorted(_decimal_fields())


def test_every_form_with_a_decimal_field_has_a_driver():
    """Each driver then takes every decimal field of its form (_cases)."""
    assert {form for form, _field in FIELDS} == {driver.form for driver in DRIVERS}
    assert len(FIELDS) >= 4   # new and edit project forms: total investment and land area


def _cases():
    return [(driver, field) for driver in DRIVERS for form, field in FIELDS if form == driver.form]


def _ids(case):
    return f"{case[0].form}.{case[1]}"


def _projects():
    return db.session.scalar(select(func.count(Project.id)))


def _post(client, world, driver, field, value):
    """Post `value`; refused: 422, an error on the field, nothing stored; else stored exactly."""
    before = _projects()
    response = client.post(driver.url(world), data=driver.data(world, **{field: value}))
    assert response.status_code in (302, 422), f"{field}={value!r} → {response.status_code}"
    if response.status_code == 422:
        assert f'id="{field}-error"' in response.text, f"{field}={value!r}: no message on the field"
        assert _projects() == before
        return response
    db.session.expire_all()
    project = db.session.get(Project, int(response.headers["Location"].rsplit("/", 1)[1]))
    assert getattr(project, field) == Decimal(value.strip()), f"{field}={value!r} stored otherwise"
    return response


@pytest.mark.parametrize("driver, field", _cases(), ids=[_ids(c) for c in _cases()])
@pytest.mark.parametrize("value", HUGE)
def test_huge_numbers_are_too_large(client, world, login_as, driver, field, value):
    login_as(world.users["owner"])
    response = _post(client, world, driver, field, value)
    assert response.status_code == 422
    error = response.text.split(f'id="{field}-error">', 1)[1].split("</div>", 1)[0]
    assert "数值过大" in error or (value.startswith("-") and error)   # -1e308: its own message


@pytest.mark.parametrize("driver, field", _cases(), ids=[_ids(c) for c in _cases()])
def test_any_number_is_stored_exactly_or_refused_on_its_field(client, world, login_as, driver,
                                                              field):
    login_as(world.users["owner"])

    @settings(max_examples=40, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(NUMBERS)
    @example("1.5")       # the property's other side: a value the field takes
    def check(value):
        _post(client, world, driver, field, value)

    check()


def test_a_non_number_in_a_frozen_field_is_ignored_not_a_500(client, world, login_as):
    """With an open case the amounts are frozen: whatever is posted for them is ignored."""
    factories.make_case(world.project, world.users["owner"], world.items)
    db.session.commit()
    saved = world.project.total_investment
    login_as(world.users["owner"])
    for value in ("sNaN", "1e308", "NaN", "-Infinity"):
        response = client.post(_edit_url(world), data=_edit_data(world, total_investment=value))
        assert response.status_code == 302, value
        db.session.refresh(world.project)
        assert world.project.total_investment == saved
