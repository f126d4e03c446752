"""The yardstick of `make bench-http`: a standalone minimal Flask app, served by the same
gunicorn settings as the real one.

    GET /bare          a bare JSON route
    GET /steps/<id>    one indexed query (a case's 12 steps out of 120,000 rows, Flask-SQLAlchemy)
                       and a 12-row Jinja table

The database (MINIMAL_DATABASE, a SQLite file) is built by `build_database()` before gunicorn
starts: 10,000 cases × 12 steps, an index on steps.case_id. Nothing here is shared with the
app under test.
"""
import os
import random

from flask import Flask, render_template
from flask_sqlalchemy import SQLAlchemy
from jinja2 import DictLoader
from sqlalchemy import ForeignKey, String, create_engine, insert, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

CASES, STEPS_PER_CASE = 10_000, 12


class Base(DeclarativeBase):
    pass


class Step(Base):
    __tablename__ = "steps"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(20))
    department: Mapped[str] = mapped_column(String(80))


class Case(Base):
    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20))


PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>案件 {{ case_id }}</title></head>
<body><h1>案件 {{ case_id }} 的审批事项</h1>
<table><thead><tr><th>序号</th><th>事项</th><th>部门</th><th>状态</th></tr></thead><tbody>
{% for step in steps %}<tr><td>{{ step.position }}</td><td>{{ step.name }}</td>
<td>{{ step.department }}</td><td>{{ step.status }}</td></tr>
{% endfor %}</tbody></table></body></html>"""
STATUSES = ("pending", "preparing", "submitted", "approved", "returned")


def build_database(path):
    """The 120,000 steps (12 for each of 10,000 cases), once; returns the path."""
    if os.path.exists(path):
        return path
    engine = create_engine(f"sqlite:///{path}.part")
    Base.metadata.create_all(engine)
    rng = random.Random(18)
    with engine.begin() as conn:
        conn.execute(insert(Case), [{"id": c, "number": f"S01-2025-{c:05d}"}
                                    for c in range(1, CASES + 1)])
        conn.execute(insert(Step), [
            {"case_id": c, "position": p, "name": f"审批事项 {p}", "status": rng.choice(STATUSES),
             "department": f"部门 {rng.randint(1, 30)}"}
            for c in range(1, CASES + 1) for p in range(1, STEPS_PER_CASE + 1)])
    engine.dispose()
    os.replace(f"{path}.part", path)
    return path


def create_app():
    app = Flask(__name__)
    app.jinja_loader = DictLoader({"steps.html": PAGE})   # compiled once, as a template file is
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{os.environ['MINIMAL_DATABASE']}"
    db = SQLAlchemy(model_class=Base)
    db.init_app(app)

    @app.get("/bare")
    def bare():
        return {"status": "ok"}

    @app.get("/steps/<int:case_id>")
    def steps(case_id):
        rows = db.session.scalars(select(Step).where(Step.case_id == case_id)
                                  .order_by(Step.position)).all()
        return render_template("steps.html", case_id=case_id, steps=rows)

    return app


app = create_app() if "MINIMAL_DATABASE" in os.environ else None
