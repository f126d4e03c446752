from . import bp


@bp.get("/admin/enterprises")
def enterprises():
    return "TODO"


@bp.get("/admin/items")
def items():
    return "TODO"


@bp.get("/admin/templates")
def templates():
    return "TODO"


@bp.get("/admin/users")
def users():
    return "TODO"

