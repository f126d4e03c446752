"""The `world` fixture copies the rows of one make_world per worker (tests/conftest.py): the
copy must be the world make_world makes, apart from its times and the salt of its passwords."""
from datetime import datetime, timedelta

from proxy_service.core import clock
from proxy_service.core.extensions import db

from . import factories
from .conftest import _empty_tables, _read_rows, comparable_rows


def _comparable(rows):
    """The rows without times and what is drawn at random (password salts, session tokens)."""
    return comparable_rows(rows, {"password_hash", "session_token"})


def _times(rows):
    return [value for table_rows in rows.values() for row in table_rows
            for value in row.values() if isinstance(value, datetime)]


def test_the_copy_is_the_world_make_world_makes(world):
    copied = _read_rows()
    names = {key: user.username for key, user in world.users.items()}
    db.session.remove()
    _empty_tables()
    made = factories.make_world()
    assert _comparable(copied) == _comparable(_read_rows())
    assert names == {key: user.username for key, user in made.users.items()}


def test_the_copys_times_are_now_and_its_passwords_work(world):
    now = clock.now()
    assert all(now - timedelta(minutes=1) < time <= now for time in _times(_read_rows()))
    assert world.users["agent"].check_password(factories.PASSWORD)


def test_each_copy_draws_its_own_session_tokens(world, _world_template):
    _made_at, _ids, template = _world_template
    drawn = {row["session_token"] for table, rows in template.items() if table.name == "users"
             for row in rows}
    tokens = {user.session_token for user in world.users.values()}
    assert len(tokens) == len(world.users) and not tokens & drawn


def test_the_copy_is_left_as_make_world_leaves_it(world):
    """Committed, every object expired: the first read of an attribute asks the database,
    as after make_world (query counts of the tests stay what they were)."""
    assert not db.session.new and not db.session.dirty
    assert all(db.inspect(user).expired for user in world.users.values())


def test_a_frozen_clock_makes_the_world_again(frozen_clock, request):
    frozen_clock(2026, 3, 5)
    world = request.getfixturevalue("world")
    assert world.users["owner"].created_at == clock.now()
