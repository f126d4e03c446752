"""The shape DESIGN.md §5 asks for, checked on the code itself: only workflow/moves.py assigns
a state field, views are thin and write no audit events.

Issue 16 moves the code there feature by feature; TODO_* lists, exactly, what is not moved yet
(a test fails when a place is added, and when one is fixed without its entry going).
Context processors hand templates values and pure helpers, never a query."""
import ast
import inspect
import re
import textwrap
from pathlib import Path

import pytest
from flask_login import login_user

import proxy_service
import proxy_service.models  # noqa: F401  (every model mapped before MODELS is read)
from proxy_service import permissions
from proxy_service.core.extensions import db

PACKAGE = Path(proxy_service.__file__).resolve().parent
MOVES = "workflow/moves.py"
STATE_FIELDS = {"status", "state", "verification", "outcome", "active", "retired", "voided"}
FEATURES = ("auth", "enterprises", "cases", "agreements", "service_quality", "dashboard",
            "admin", "verify", "inbox", "api", "webhooks")
MAX_VIEW_LINES = 20
MODELS = {mapper.class_.__name__ for mapper in db.Model.registry.mappers}


def _setattr_call(node):
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id == "setattr" and len(node.args) > 1)


def _looked_up_fields(tree):
    """{setattr call: field names} for setattr(x, table[key], ...) where `table` is bound in
    the function around it only to dict literals of strings ({rank: "red", ...}): the call
    sets one of those, not any field."""
    found = {}
    for function in ast.walk(tree):   # outer functions first: the innermost one decides
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        tables, other = {}, set()
        for node in ast.walk(function):
            for target in node.targets if isinstance(node, ast.Assign) else []:
                values = node.value.values if isinstance(node.value, ast.Dict) else [None]
                if not isinstance(target, ast.Name):
                    continue
                if all(isinstance(v, ast.Constant) and isinstance(v.value, str) for v in values):
                    tables.setdefault(target.id, []).extend(v.value for v in values)
                else:
                    other.add(target.id)
        for node in ast.walk(function):
            name = node.args[1] if _setattr_call(node) else None
            if isinstance(name, ast.Subscript) and isinstance(name.value, ast.Name):
                found[node] = None if name.value.id in other else tables.get(name.value.id)
    return found


def state_assignments(source, fields=STATE_FIELDS):
    """Line numbers where `source` sets a state field: x.f = ..., x.f += ..., a, x.f = ...,
    setattr(x, "f", ...) or setattr(x, name, ...) with a computed name (unless looked up in a
    dict literal of other names), Model(..., f=...)."""
    def attributes(target):
        if isinstance(target, (ast.Tuple, ast.List)):
            return [name for element in target.elts for name in attributes(element)]
        if isinstance(target, ast.Starred):
            return attributes(target.value)
        return [target.attr] if isinstance(target, ast.Attribute) else []
    lines, tree = [], ast.parse(source)
    looked_up = _looked_up_fields(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            assigned = [name for target in node.targets for name in attributes(target)]
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            assigned = attributes(node.target)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if _setattr_call(node):
                name = node.args[1]
                assigned = ([name.value] if isinstance(name, ast.Constant)
                            else looked_up.get(node) or ["status"])
            elif node.func.id in MODELS:   # a model's constructor
                assigned = [keyword.arg for keyword in node.keywords]
            else:
                continue
        else:
            continue
        if fields & set(assigned):
            lines.append(node.lineno)
    return lines


def test_state_assignments_are_found_in_every_form():
    source = ("a.status = 1\nb.state += 1\nc.verification: int = 1\nd, (e.outcome, f) = 1, (2, 3)\n"
              "setattr(g, 'active', 1)\nsetattr(h, field, 1)\nStep(status=1)\nx.name = 1\n"
              "status = 1\nsetattr(i, 'name', 1)\nf(status=1)\nCase(number=1)\nRow(status=1)\n"
              "def f():\n d = {1: 'red'}\n setattr(j, d[k], 1)\n"
              "def g():\n d = {1: 'state'}\n setattr(k, d[k], 1)\n"
              "def h():\n d = {1: 'red'}\n d = m()\n setattr(l, d[k], 1)\n"
              "setattr(n, d[k], 1)\n")
    assert sorted(state_assignments(source)) == [1, 2, 3, 4, 5, 6, 7, 19, 23, 24]


def _offenders(check):
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if lines := check(relative, path.read_text(encoding="utf-8")):
            found[relative] = len(lines)
    return found


# Not moved yet (issue 16): file -> number of places. Must end empty.
TODO_STATE = {
}


def test_only_workflow_moves_assigns_a_state_field():
    assert state_assignments((PACKAGE / MOVES).read_text(encoding="utf-8"))
    offenders = _offenders(lambda relative, source:
                           [] if relative == MOVES else state_assignments(source))
    assert offenders == TODO_STATE, "only proxy_service/workflow/moves.py sets a state field"


def _view_functions(app):
    for endpoint, function in app.view_functions.items():
        module = getattr(function, "__module__", "")
        if module.split(".")[1:2] and module.split(".")[1] in FEATURES:
            yield endpoint, inspect.unwrap(function)


def _body_lines(function):
    """Lines of the function's body: decorators, signature and docstring left out."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    body = tree.body[0].body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    return body[-1].end_lineno - body[0].lineno + 1 if body else 0


TODO_LONG_VIEWS = {
}


def test_views_are_thin(app):
    long = {endpoint: lines for endpoint, function in _view_functions(app)
            if (lines := _body_lines(function)) > MAX_VIEW_LINES}
    assert long == TODO_LONG_VIEWS, f"views over {MAX_VIEW_LINES} lines"


def _writes_audit(relative, source):
    if relative.split("/")[0] not in FEATURES:
        return []
    return [node.lineno for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
            and node.value.id == "AuditEvent" and node.attr == "record"
            or isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id == "AuditEvent"]


TODO_AUDIT_IN_FEATURES = {
}


def test_features_write_no_audit_events():
    assert _offenders(_writes_audit) == TODO_AUDIT_IN_FEATURES, \
        "audit events are written by workflow verbs, not by views"


PERMISSION_NAME = re.compile(r"^_?(\w+_or_404|visible_\w+|can_\w+)$")


def _permission_functions(relative, source):
    """Module-level scopes, loaders and predicates outside permissions/ (a model's own method
    answering a question about itself is not one)."""
    if relative.startswith("permissions/"):
        return []
    return [node.name for node in ast.parse(source).body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and PERMISSION_NAME.match(node.name)]


def test_scopes_loaders_and_predicates_live_in_permissions():
    assert _permission_functions("cases/x.py", "def _notice_or_404(): pass\n"
                                               "def visible_messages(u, c): pass\n"
                                               "def can_x(u): pass\ndef cannot(): pass\n") \
        == ["_notice_or_404", "visible_messages", "can_x"]
    assert _offenders(_permission_functions) == {}, \
        "visible_*, *_or_404 and can_* belong in proxy_service/permissions/"

# Helpers a context processor may hand templates that take arguments (so the test cannot call
# them blind): each computes from what it is given, without a query.
PURE_TEMPLATE_HELPERS = {permissions.evaluation_edit_deadline}


def _context_processors(app):
    return [processor for processors in app.template_context_processors.values()
            for processor in processors]


@pytest.mark.parametrize("role", ["manager", "agent", "owner"])
def test_context_processors_run_no_query(app, world, count_queries, role):
    """Every context processor, inside a request of a signed-in manager, agent and enterprise
    user, runs no query, and hands templates no function that does: those without arguments
    are called here, the others are listed as pure (PURE_TEMPLATE_HELPERS)."""
    user = world.users[role]
    assert user.is_authenticated and user.role is not None   # loaded before counting
    with app.test_request_context("/"):
        login_user(user)
        with count_queries() as counter:
            values = {name: value for processor in _context_processors(app)
                      for name, value in processor().items()}
            helpers = {name: value for name, value in values.items()
                       if inspect.isfunction(value) or inspect.ismethod(value)}
            for name, helper in helpers.items():
                required = [p for p in inspect.signature(helper).parameters.values()
                            if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY,
                                                                  p.POSITIONAL_OR_KEYWORD)]
                if required:
                    assert helper in PURE_TEMPLATE_HELPERS, f"{name} may query while rendering"
                else:
                    helper()
        assert counter.statements == []
    assert {"seal_upload_form", "appeal_form", "evaluation_edit_deadline"} <= values.keys()
    assert "staff_action_forms" not in values and "assignment_history" not in values


def _commits_itself(relative, source):
    if relative.split("/")[0] not in FEATURES:
        return []
    return [node.lineno for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == "commit"]


def test_features_commit_only_through_the_commit_helper():
    """core.conflicts.committing rolls back and answers conflicts the same way everywhere."""
    assert _offenders(_commits_itself) == {}, "commit through core.conflicts.committing"
