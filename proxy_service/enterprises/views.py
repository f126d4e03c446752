from . import bp


@bp.get("/projects")
def projects():
    return "TODO"


@bp.get("/enterprise")
def profile():
    return "TODO"


@bp.get("/register")
def register():
    return "TODO"

